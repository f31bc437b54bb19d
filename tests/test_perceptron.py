"""Tests of dlnotes.perceptron: the logic gates, and the perceptron learning rule.

Expected outputs come from the definitions of the gates (their truth tables) and from the
perceptron convergence theorem, never from the module's own output.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.perceptron import (
    AND,
    NAND,
    OR,
    XOR,
    NotLinearlySeparableError,
    Perceptron,
    perceptron_output,
)

# Truth tables written from the definitions: AND is 1 only for (1, 1), OR is 0 only for (0, 0),
# NAND is NOT AND, XOR is 1 when exactly one input is 1.
INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
TRUTH_TABLES = {
    "AND": {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1},
    "OR": {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1},
    "NAND": {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0},
    "XOR": {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0},
}
GATES = {"AND": AND, "OR": OR, "NAND": NAND, "XOR": XOR}
SINGLE_LAYER = ["AND", "OR", "NAND"]  # linearly separable: one perceptron can learn them
X_GATE = np.array(INPUTS, dtype=float)  # the four inputs as an (4, 2) training set


def labels(name):
    return np.array([TRUTH_TABLES[name][x] for x in INPUTS])


# Training tests run the learner many times: fewer examples keep the file fast.
TRAINING = settings(max_examples=50, deadline=None)

bits = st.integers(0, 1)


@st.composite
def bit_array_pairs(draw):
    """Two 0/1 int arrays of one shape (0-d to 3-d), as gate inputs."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
    x1 = draw(hnp.arrays(np.int64, shape, elements=bits))
    x2 = draw(hnp.arrays(np.int64, shape, elements=bits))
    return x1, x2


# ---- the gates -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(GATES))
def test_truth_table(name):
    gate, table = GATES[name], TRUTH_TABLES[name]
    for (a, b), expected in table.items():
        for x1, x2 in [(a, b), (float(a), float(b)), (bool(a), bool(b)), (np.int8(a), np.int8(b))]:
            y = gate(x1, x2)
            assert y == expected, f"{name}({x1!r}, {x2!r}) = {y}, expected {expected}"
            assert y.shape == () and np.issubdtype(y.dtype, np.integer)


def test_scalar_results_print_as_plain_numbers():
    # The lesson prints AND(1, 1) and shows "1", not "1.0" or "array(1)".
    assert [str(AND(1, 1)), str(NAND(1, 1)), str(OR(0, 0)), str(XOR(0, 1))] == ["1", "0", "0", "1"]


@pytest.mark.parametrize("name", list(GATES))
@given(pair=bit_array_pairs())
def test_gate_on_arrays_is_the_gate_elementwise(name, pair):
    x1, x2 = pair
    table = TRUTH_TABLES[name]
    expected = np.array([table[(a, b)] for a, b in zip(x1.ravel(), x2.ravel())]).reshape(x1.shape)
    y = GATES[name](x1, x2)
    assert y.shape == x1.shape and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(y, expected)


@given(pair=bit_array_pairs())
def test_xor_is_inequality(pair):
    x1, x2 = pair
    np.testing.assert_array_equal(XOR(x1, x2), (x1 != x2).astype(int))


@given(pair=bit_array_pairs())
def test_nand_is_not_and(pair):
    x1, x2 = pair
    np.testing.assert_array_equal(NAND(x1, x2), 1 - AND(x1, x2))


@given(w1=st.integers(-5, 5), w2=st.integers(-5, 5), x1=st.integers(-5, 5), x2=st.integers(-5, 5))
def test_output_is_0_on_the_line_and_1_just_above_it(w1, w2, x1, x2):
    # y = 0 when w1*x1 + w2*x2 + b <= 0: a point exactly on the line gives 0 (small ints: exact).
    b = -(w1 * x1 + w2 * x2)
    assert perceptron_output(x1, x2, (w1, w2), b) == 0
    assert perceptron_output(x1, x2, (w1, w2), b + 0.5) == 1
    assert perceptron_output(x1, x2, (w1, w2), b - 0.5) == 0


@given(hnp.arrays(np.float64, (2, 6), elements=st.floats(-10, 10)))
def test_and_and_nand_are_never_both_1_on_real_inputs(x):
    # NAND's line is AND's with every sign flipped: no input lies strictly on both positive sides.
    assert not np.any(AND(x[0], x[1]) & NAND(x[0], x[1]))


@pytest.mark.parametrize("gate", [AND, OR, NAND, XOR, lambda x1, x2: perceptron_output(x1, x2, (1, 1), -1)],
                         ids=["AND", "OR", "NAND", "XOR", "perceptron_output"])
@pytest.mark.parametrize("shape1, shape2", [((2,), (3,)), ((2,), ()), ((1,), (4,)), ((2, 2), (4,))])
def test_mismatched_shapes_raise_naming_x1_and_x2(gate, shape1, shape2):
    with pytest.raises(ValueError, match=r"x1 and x2 .*same shape"):
        gate(np.zeros(shape1), np.ones(shape2))


@pytest.mark.parametrize("gate", [AND, OR, NAND, XOR], ids=lambda g: g.__name__)
@pytest.mark.parametrize("position", ["x1", "x2"])
@pytest.mark.parametrize("bad, error, words", [
    (float("nan"), ValueError, "NaN"),
    ([0.0, float("nan")], ValueError, "NaN"),
    ([], ValueError, "empty"),
    ("1", TypeError, "real numbers"),
    (None, TypeError, "real numbers"),
    ([[0, 1], [1]], ValueError, "rectangular"),
])
def test_bad_input_raises_naming_the_argument(gate, position, bad, error, words):
    good = 1 if bad is None or isinstance(bad, (float, str)) else [1, 0]  # the other input is valid
    args = (bad, good) if position == "x1" else (good, bad)
    with pytest.raises(error, match=rf"^{position} .*{words}"):
        gate(*args)


# ---- the perceptron learning rule ------------------------------------------------------------

@pytest.mark.parametrize("name", SINGLE_LAYER)
def test_learns_the_single_layer_gates(name):
    t = labels(name)
    p = Perceptron()
    assert p.fit(X_GATE, t) is p
    np.testing.assert_array_equal(p.predict(X_GATE), t)
    for (a, b), expected in TRUTH_TABLES[name].items():  # one sample at a time: 0-d results
        assert p.predict([a, b]) == expected and p.predict([a, b]).shape == ()
    assert p.errors_per_epoch[-1] == 0
    assert all(e > 0 for e in p.errors_per_epoch[:-1])  # it stops at the first clean epoch
    assert p.w.shape == (2,)


@pytest.mark.parametrize("name", SINGLE_LAYER)
@TRAINING
@given(lr=st.floats(0.01, 1.0))
def test_learns_the_single_layer_gates_at_any_learning_rate(name, lr):
    t = labels(name)
    p = Perceptron(lr=lr).fit(X_GATE, t)
    np.testing.assert_array_equal(p.predict(X_GATE), t)
    assert p.errors_per_epoch[-1] == 0


def test_zero_weights_output_0_so_all_zero_labels_need_no_update():
    # Training starts from w = 0, b = 0, whose output is 0 everywhere (0 <= 0).
    p = Perceptron().fit(X_GATE, np.zeros(4))
    assert p.errors_per_epoch == [0]
    np.testing.assert_array_equal(p.w, [0, 0])
    assert p.b == 0


@pytest.mark.parametrize("name", SINGLE_LAYER)
@given(k=st.integers(-8, 4))
def test_learning_rate_only_scales_the_weights(name, k):
    # Training starts at w = 0, b = 0, so every update is lr times a whole number: lr = 2**k
    # (exact in floating point) must give the same mistakes and weights scaled by 2**k.
    one = Perceptron(lr=1.0).fit(X_GATE, labels(name))
    scaled = Perceptron(lr=2.0**k).fit(X_GATE, labels(name))
    assert scaled.errors_per_epoch == one.errors_per_epoch
    np.testing.assert_array_equal(scaled.w, one.w * 2.0**k)
    assert scaled.b == one.b * 2.0**k


def test_refitting_starts_from_scratch():
    p = Perceptron()
    p.fit(X_GATE, labels("AND"))
    p.fit(X_GATE, labels("OR"))
    fresh = Perceptron().fit(X_GATE, labels("OR"))
    np.testing.assert_array_equal(p.predict(X_GATE), labels("OR"))
    assert p.errors_per_epoch == fresh.errors_per_epoch  # no history left from the AND fit


@st.composite
def separable_data(draw, margin=0.1):
    """Points in 2-D and 0/1 labels split by a random line, none closer to it than margin."""
    angle = draw(st.floats(0, 2 * math.pi))
    n = np.array([math.cos(angle), math.sin(angle)])  # unit normal of the line n·x + c = 0
    c = draw(st.floats(-0.5, 0.5))
    N = draw(st.integers(1, 30))
    X = draw(hnp.arrays(np.float64, (N, 2), elements=st.floats(-1, 1)))
    s = X @ n + c  # signed distance to the line
    side = np.where(s >= 0, 1.0, -1.0)
    X = X + (margin * side)[:, None] * n  # push each point margin further from the line
    t = (side > 0).astype(int)
    return X, t, n, c


@TRAINING
@given(data=separable_data(), lr=st.floats(0.01, 1.0))
def test_perceptron_convergence_theorem(data, lr):
    X, t, n, c = data
    # With the bias as a weight on a constant input 1, the line (n, c) separates the vectors
    # (x, 1) with margin gamma; R bounds their length. The theorem: at most (R/gamma)^2 updates.
    R2 = np.max(np.sum(X**2, axis=1) + 1)
    gamma = np.min(np.abs(X @ n + c)) / math.hypot(1, c)
    max_updates = R2 / gamma**2
    p = Perceptron(lr=lr, max_epochs=int(max_updates) + 2).fit(X, t)  # an epoch with no update ends it
    np.testing.assert_array_equal(p.predict(X), t)  # every training point classified correctly
    assert sum(p.errors_per_epoch) <= max_updates * (1 + 1e-9)


@TRAINING
@given(lr=st.floats(0.01, 1.0), max_epochs=st.integers(1, 30))
def test_xor_is_not_linearly_separable(lr, max_epochs):
    p = Perceptron(lr=lr, max_epochs=max_epochs)
    with pytest.raises(NotLinearlySeparableError) as info:
        p.fit(X_GATE, labels("XOR"))
    message = str(info.value)
    assert "hidden layer" in message and "line" in message
    # No line separates XOR, so no epoch can end without a mistake.
    assert len(p.errors_per_epoch) == max_epochs and min(p.errors_per_epoch) > 0


def test_not_linearly_separable_error_is_a_runtime_error():
    assert issubclass(NotLinearlySeparableError, RuntimeError)


def test_predict_before_fit_raises():
    with pytest.raises(RuntimeError, match=r"not trained.*fit"):
        Perceptron().predict(X_GATE)


@pytest.mark.parametrize("bad_t, words", [
    ([0, 1, 2, 1], "only 0 and 1"),
    ([0, -1, 1, 1], "only 0 and 1"),
    ([0, 0.5, 1, 1], "only 0 and 1"),
    ([0, float("nan"), 1, 1], "^t contains NaN"),
    ([0, 1, 1], r"t \(N,\)"),
    ([[0], [1], [1], [1]], r"t \(N,\)"),
    ("0111", "^t must contain real numbers"),
])
def test_bad_labels_raise(bad_t, words):
    with pytest.raises((ValueError, TypeError), match=words):
        Perceptron().fit(X_GATE, bad_t)


@pytest.mark.parametrize("bad_X, error, words", [
    ([0, 1, 1, 0], ValueError, r"X must be \(N, n_inputs\)"),
    ([[0, 0], [0, float("nan")], [1, 0], [1, 1]], ValueError, "^X contains NaN"),
    ([], ValueError, "^X is empty"),
    ("X", TypeError, "^X must contain real numbers"),
])
def test_bad_samples_raise(bad_X, error, words):
    with pytest.raises(error, match=words):
        Perceptron().fit(bad_X, labels("AND"))


def test_predict_checks_the_number_of_inputs():
    p = Perceptron().fit(X_GATE, labels("AND"))
    with pytest.raises(ValueError, match="2 inputs per sample"):
        p.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="^X contains NaN"):
        p.predict([1.0, float("nan")])


@pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        Perceptron(lr=lr)


@TRAINING
@given(X=hnp.arrays(st.sampled_from([np.float32, np.float64]), (6, 2), elements=st.floats(-5, 5, width=32)),
       t=hnp.arrays(np.int64, 6, elements=bits))
def test_fit_does_not_mutate_its_inputs(X, t):
    X_before, t_before = X.copy(), t.copy()
    try:
        Perceptron(max_epochs=20).fit(X, t)
    except NotLinearlySeparableError:
        pass  # random labels are often not separable; the inputs must be untouched either way
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(t, t_before)
    assert X.dtype == X_before.dtype and t.dtype == t_before.dtype


# ---- constructor checks and the honesty of the give-up message -----------------------------

def test_max_epochs_must_be_a_positive_int():
    for max_epochs in (0, -1, 1.5, None, True):
        with pytest.raises(ValueError, match="max_epochs"):
            Perceptron(max_epochs=max_epochs)


def test_learning_rate_must_be_finite():
    for lr in (float("inf"), 0, -0.1, "0.1", None, float("nan")):
        with pytest.raises(ValueError, match="lr"):
            Perceptron(lr=lr)


def test_giving_up_on_separable_data_does_not_claim_no_line_exists():
    # Separable (label 1 iff x1 + x2 > 1.01) but with a small margin: the rule needs ~160 epochs.
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 0.02], [0.5, 0.5], [0.5, 0.52]])
    t = (X.sum(axis=1) > 1.01).astype(int)
    Perceptron(max_epochs=100_000).fit(X, t)  # it is separable: this converges
    with pytest.raises(NotLinearlySeparableError) as info:
        Perceptron(max_epochs=100).fit(X, t)
    message = str(info.value)
    assert "no straight line separates" not in message and "max_epochs" in message
