"""Tests of dlnotes.losses: the claims lesson 4 makes, against independent references.

References are closed forms, ``math.log`` / ``math.log1p`` on Python floats, hand-computed values
and the definitions written out element by element, never the implementation's own formula.
pytest turns every warning into an error (pyproject.toml), so each test also checks that no
RuntimeWarning is raised. The cross-entropy properties live in dlnotes.properties, shared with
dlnotes.exercises.check.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy_error,
    labels_like,
    mean_squared_error,
)
from dlnotes.properties import (
    PROPERTIES,
    accepts_index_labels,
    cross_entropy_is_finite_and_nonnegative,
    cross_entropy_is_minus_log_p,
    probabilities_and_labels,
)

DTYPES = (np.float32, np.float64)
TINY64 = float(np.finfo(np.float64).tiny)  # smallest normal float64, the documented floor
TINY32 = float(np.finfo(np.float32).tiny)


def rtol_for(dtype):
    """Relative tolerance for results computed in dtype (sums of a few logs or squares)."""
    return 1e-5 if dtype == np.float32 else 1e-12


# ---- strategies and references: dlnotes.properties, plus what only these tests need ----------

def rows(y, t):
    """Iterate over samples as (list of floats, int label): a 1-D y is a batch of one."""
    y2 = np.atleast_2d(y)
    t1 = np.atleast_1d(t)
    for yi, ti in zip(y2, t1):
        yield [float(v) for v in yi], int(ti)


def mse_reference(y, t):
    """Mean over samples of 0.5 * sum_k (y_k - [k == t])**2, on Python floats."""
    losses = [0.5 * math.fsum((v - (k == ti)) ** 2 for k, v in enumerate(yi)) for yi, ti in rows(y, t)]
    return math.fsum(losses) / len(losses)


def bce_logits_reference(z, t):
    """-(t log sigmoid(z) + (1-t) log(1 - sigmoid(z))) = t log(1+e^-z) + (1-t) log(1+e^z), averaged.

    Accurate on Python floats for |z| <= 700 (math.exp does not overflow there).
    """
    terms = [ti * math.log1p(math.exp(-zi)) + (1 - ti) * math.log1p(math.exp(zi))
             for zi, ti in zip(np.ravel(z).tolist(), np.ravel(t).tolist())]
    return math.fsum(terms) / len(terms)


# ---- the book's example (lesson 4) --------------------------------------------------------------

T_BOOK = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
Y_RIGHT = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
Y_WRONG = [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]


def test_the_books_example_by_hand():
    # 0.5 * (0.01 + 0.0025 + 0.16 + 0.0025 + 0.01 + 0.01) and 0.5 * (... + 0.81 + ... + 0.36)
    assert mean_squared_error(Y_RIGHT, T_BOOK) == pytest.approx(0.0975, rel=1e-14)
    assert mean_squared_error(Y_WRONG, T_BOOK) == pytest.approx(0.5975, rel=1e-14)
    assert cross_entropy_error(Y_RIGHT, T_BOOK) == pytest.approx(-math.log(0.6), rel=1e-15)
    assert cross_entropy_error(Y_WRONG, T_BOOK) == pytest.approx(-math.log(0.1), rel=1e-15)
    # the same with the class index 2, and as a batch of both
    assert cross_entropy_error(Y_RIGHT, 2) == pytest.approx(-math.log(0.6), rel=1e-15)
    batch = cross_entropy_error([Y_RIGHT, Y_WRONG], [2, 2])
    assert batch == pytest.approx((-math.log(0.6) - math.log(0.1)) / 2, rel=1e-15)


def test_binary_cross_entropy_by_hand():
    p, t = [0.9, 0.2, 0.6], [1.0, 0.0, 0.0]
    expected = (-math.log(0.9) - math.log(0.8) - math.log(0.4)) / 3
    assert binary_cross_entropy(p, t) == pytest.approx(expected, rel=1e-15)
    # soft labels: t = 0.25 mixes the two terms
    assert binary_cross_entropy([0.5], [0.25]) == pytest.approx(math.log(2), rel=1e-15)


# ---- cross-entropy: sign, zero, finiteness --------------------------------------------------

# one-hot labels here; index labels give exactly the same loss (test below)
test_cross_entropy_is_nonnegative_finite_and_zero_only_for_a_perfect_prediction = \
    cross_entropy_is_finite_and_nonnegative(cross_entropy_error)
test_cross_entropy_is_minus_log_of_the_true_class_probability = \
    cross_entropy_is_minus_log_p(cross_entropy_error)


@pytest.mark.parametrize("prop", PROPERTIES["cross_entropy_error"], ids=lambda p: p.id)
def test_the_properties_check_runs_hold_for_the_package(prop):
    prop(cross_entropy_error)()


def test_cross_entropy_is_finite_when_a_probability_is_exactly_zero():
    assert cross_entropy_error([0.0, 1.0], 0) == pytest.approx(-math.log(TINY64), rel=1e-15)
    assert cross_entropy_error([0.0, 1.0], [1.0, 0.0]) == pytest.approx(708.3964185322641, rel=1e-15)
    y32 = np.array([0.0, 1.0], dtype=np.float32)
    assert cross_entropy_error(y32, 0) == pytest.approx(-math.log(TINY32), rel=1e-6)
    # a subnormal probability is raised to the same floor; a small normal one keeps its log
    assert cross_entropy_error([5e-324, 1.0], 0) == cross_entropy_error([0.0, 1.0], 0)
    assert cross_entropy_error([1e-300, 1.0], 0) == pytest.approx(300 * math.log(10), rel=1e-14)


def test_a_perfect_prediction_has_loss_exactly_zero_not_the_books_minus_1e7():
    for dtype in DTYPES:
        y = np.array([[0, 0, 1], [1, 0, 0]], dtype=dtype)
        assert cross_entropy_error(y, [2, 0]) == 0
        assert binary_cross_entropy(np.array([1, 0], dtype=dtype), np.array([1, 0], dtype=dtype)) == 0


def test_cross_entropy_keeps_growing_as_the_true_probability_shrinks():
    # -log p exactly, down to the smallest normal float (the book's +1e-7 caps this near 16.1)
    ps = [0.5, 1e-3, 1e-7, 1e-10, 1e-30, 1e-300]
    losses = [cross_entropy_error([p, 1 - p], 0) for p in ps]
    np.testing.assert_allclose(losses, [-math.log(p) for p in ps], rtol=1e-14)


# ---- labels: one-hot or class indices -------------------------------------------------------

@pytest.mark.parametrize("loss", [cross_entropy_error, mean_squared_error], ids=lambda f: f.__name__)
def test_one_hot_and_index_labels_give_the_same_loss(loss):
    accepts_index_labels(loss)()


@given(probabilities_and_labels())
def test_mean_squared_error_matches_the_definition(yt):
    y, t = yt
    np.testing.assert_allclose(mean_squared_error(y, t), mse_reference(y, t),
                               rtol=rtol_for(y.dtype), atol=1e-7 if y.dtype == np.float32 else 1e-15)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=8),
                  elements=st.floats(-1e100, 1e100)).flatmap(
    lambda y: st.tuples(st.just(y), hnp.arrays(np.float64, y.shape, elements=st.floats(-1e100, 1e100)))))
def test_mean_squared_error_for_regression_targets(yt):
    y, t = yt  # any real targets, not only one-hot
    y2, t2 = np.atleast_2d(y), np.atleast_2d(t)
    per_sample = [0.5 * math.fsum((a - b) ** 2 for a, b in zip(yi.tolist(), ti.tolist()))
                  for yi, ti in zip(y2, t2)]
    np.testing.assert_allclose(mean_squared_error(y, t), math.fsum(per_sample) / len(per_sample),
                               rtol=1e-12)


def test_labels_like_turns_indices_into_one_hot_rows():
    y = np.zeros((3, 4), dtype=np.float32)
    expected = np.array([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float32)
    got = labels_like(y, [2, 0, 3])
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    assert np.array_equal(labels_like(np.zeros(4), 1), [0, 1, 0, 0])
    assert np.array_equal(labels_like(np.zeros(4), 1.0), [0, 1, 0, 0])  # 1.0 is an integer value
    one_hot_t = np.array([0.0, 1.0, 0.0, 0.0])
    assert np.array_equal(labels_like(np.zeros(4), one_hot_t), one_hot_t)


# ---- batches ---------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [cross_entropy_error, mean_squared_error], ids=lambda f: f.__name__)
@given(yt=probabilities_and_labels(min_dims=2))
def test_batch_loss_is_the_mean_of_the_per_sample_losses(loss, yt):
    y, t = yt
    per_sample = [float(loss(yi, ti)) for yi, ti in zip(y, t)]
    np.testing.assert_allclose(loss(y, t), math.fsum(per_sample) / len(per_sample),
                               rtol=rtol_for(y.dtype), atol=1e-7 if y.dtype == np.float32 else 1e-15)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 8)),
                  elements=st.floats(-30, 30)),
       st.data())
def test_binary_losses_average_over_all_elements(z, data):
    t = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    for loss, x in ((binary_cross_entropy_with_logits, z), (binary_cross_entropy, 1 / (1 + np.exp(-z)))):
        per_row = [float(loss(xi, ti)) for xi, ti in zip(x, t)]  # rows have equal length
        np.testing.assert_allclose(loss(x, t), math.fsum(per_row) / len(per_row), rtol=1e-12, atol=1e-15)


# ---- binary cross-entropy from probabilities and from logits ----------------------------------

def logits_and_labels(max_abs, shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=8), soft=True):
    """(z, t): float64 logits with |z| <= max_abs and labels in [0, 1] (0/1, or soft), same shape."""
    labels = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)) if soft else st.sampled_from([0.0, 1.0])
    return hnp.arrays(np.float64, shape, elements=st.floats(-max_abs, max_abs)).flatmap(
        lambda z: st.tuples(st.just(z), hnp.arrays(np.float64, z.shape, elements=labels)))


@given(logits_and_labels(max_abs=15))
def test_bce_from_probabilities_and_from_logits_agree_where_both_are_accurate(zt):
    z, t = zt
    p = 1 / (1 + np.exp(-z))  # |z| <= 15: 1 - p keeps at least 9 significant digits
    np.testing.assert_allclose(binary_cross_entropy(p, t), binary_cross_entropy_with_logits(z, t),
                               rtol=1e-8, atol=1e-15)


@given(logits_and_labels(max_abs=700, soft=False))
def test_bce_with_logits_matches_a_high_precision_reference(zt):
    z, t = zt  # labels 0 or 1: every term is exact or a log1p, no cancellation
    np.testing.assert_allclose(binary_cross_entropy_with_logits(z, t), bce_logits_reference(z, t),
                               rtol=1e-13, atol=1e-300)


@given(logits_and_labels(max_abs=700))
def test_bce_with_logits_with_soft_labels_is_accurate_to_rounding_of_z(zt):
    z, t = zt
    # max(z, 0) - z*t cancels when t is near 1 (as in PyTorch's formula): the error is a few
    # roundings of |z|, absolute, which is what the tolerance allows.
    atol = 4 * np.finfo(np.float64).eps * float(np.max(np.abs(z))) + 1e-300
    np.testing.assert_allclose(binary_cross_entropy_with_logits(z, t), bce_logits_reference(z, t),
                               rtol=1e-13, atol=atol)


@pytest.mark.parametrize("z, t, expected", [
    (40.0, 0.0, 40.0 + math.log1p(math.exp(-40.0))),  # confidently wrong: the loss is ~z
    (40.0, 1.0, math.log1p(math.exp(-40.0))),  # confidently right: ~4.2e-18, not 0
    (-40.0, 1.0, 40.0 + math.log1p(math.exp(-40.0))),
    (1000.0, 0.0, 1000.0),
    (-1e300, 1.0, 1e300),
    (1e300, 1.0, 0.0),  # true value exp(-1e300) underflows to 0
    (float(np.finfo(np.float64).max), 0.0, float(np.finfo(np.float64).max)),
])
def test_bce_with_logits_is_exact_for_large_logits(z, t, expected):
    assert binary_cross_entropy_with_logits([z], [t]) == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_bce_from_probabilities_hits_the_floor_where_1_minus_p_rounds_to_0():
    # What the lesson shows: sigmoid(40) rounds to 1.0, so the probability form sees 1 - p = 0.
    p = 1 / (1 + math.exp(-40.0))
    assert p == 1.0
    assert binary_cross_entropy([p], [0.0]) == pytest.approx(-math.log(TINY64), rel=1e-15)
    assert binary_cross_entropy_with_logits([40.0], [0.0]) == pytest.approx(40.0, rel=1e-15)


@given(logits_and_labels(max_abs=20, shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
def test_derivative_of_bce_with_logits_is_sigmoid_minus_t_over_n(zt):
    z, t = zt
    h = 1e-6
    n = z.size
    for i in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[i] += h
        zm[i] -= h
        loss_p, loss_m = binary_cross_entropy_with_logits(zp, t), binary_cross_entropy_with_logits(zm, t)
        numerical = (loss_p - loss_m) / (2 * h)
        expected = (1 / (1 + math.exp(-z[i])) - t[i]) / n
        assert numerical == pytest.approx(expected, abs=1e-7)


# ---- dtypes, warnings, errors, mutation ---------------------------------------------------------

def float32_cases():
    y = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]], dtype=np.float32)
    t_idx = np.array([1, 0])
    t_hot = np.array([[0, 1, 0], [1, 0, 0]], dtype=np.float32)
    z = np.array([[-2.0, 0.5], [3.0, 40.0]], dtype=np.float32)
    tb = np.array([[0, 1], [1, 0]], dtype=np.float32)
    return [
        (cross_entropy_error, y, t_idx),
        (cross_entropy_error, y, t_hot),
        (mean_squared_error, y, t_idx),
        (mean_squared_error, y, t_hot),
        (binary_cross_entropy, (1 / (1 + np.exp(-z))).astype(np.float32), tb),
        (binary_cross_entropy_with_logits, z, tb),
    ]


@pytest.mark.parametrize("loss, y, t", float32_cases(), ids=lambda v: getattr(v, "__name__", None))
def test_float32_stays_float32_and_float64_stays_float64(loss, y, t):
    out = loss(y, t)
    assert np.ndim(out) == 0 and out.dtype == np.float32
    t64 = t.astype(np.float64) if t.dtype.kind == "f" else t
    assert loss(y.astype(np.float64), t64).dtype == np.float64


@pytest.mark.parametrize("loss, y, t", [
    (cross_entropy_error, np.array([0.25, 0.75], np.float32), np.array([0, 1])),
    (mean_squared_error, np.array([0.25, 0.75], np.float32), [0, 1]),
    (binary_cross_entropy, np.array([0.25, 0.75], np.float32), np.array([0, 1])),
    (binary_cross_entropy_with_logits, np.array([-1.0, 2.0], np.float32), [0, 1]),
], ids=["ce", "mse", "bce", "bce_logits"])
def test_integer_labels_keep_a_float32_loss_float32(loss, y, t):
    assert loss(y, t).dtype == np.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_runtime_warning_for_extreme_inputs(dtype):
    big, tiny = np.finfo(dtype).max, np.finfo(dtype).tiny
    subnormal = np.nextafter(dtype(0), dtype(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = np.array([[0, 0, 1], [1, 0, 0], [subnormal, tiny, 1 - tiny]], dtype=dtype)
        assert np.isfinite(cross_entropy_error(y, [0, 1, 0]))
        assert np.isfinite(mean_squared_error(y, [0, 1, 0]))
        p = np.array([0, 1, subnormal, tiny, 1], dtype=dtype)
        tb = np.array([1, 0, 1, 1, 0], dtype=dtype)
        assert np.isfinite(binary_cross_entropy(p, tb))
        for z in (big, -big, dtype(1e30), dtype(-1e30), dtype(1000), dtype(-1000)):
            for t in (0, 1, 0.5):
                loss = binary_cross_entropy_with_logits(np.array([z]), np.array([t], dtype=dtype))
                assert np.isfinite(loss) and loss >= 0


def huge_logits(dtype):
    # Up to 1e30 (float32) or 1e300 (float64): a mean over <= 64 such losses cannot overflow.
    bound, width = (float(np.float32(1e30)), 32) if dtype == np.float32 else (1e300, 64)
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=2, max_side=8),
                      elements=st.floats(-bound, bound, width=width))


@given(st.sampled_from(DTYPES).flatmap(huge_logits), st.sampled_from([0.0, 1.0, 0.5]))
def test_bce_with_logits_is_finite_and_nonnegative_for_any_finite_logits(z, t):
    loss = binary_cross_entropy_with_logits(z, np.full(z.shape, t, dtype=z.dtype))
    assert np.isfinite(loss) and loss >= 0


@pytest.mark.parametrize("z, t", [(np.inf, 1.0), (np.inf, 0.0), (-np.inf, 0.0)])
def test_bce_with_logits_handles_infinite_logits(z, t):
    with pytest.raises(ValueError, match=r"^z contains inf"):
        binary_cross_entropy_with_logits([z], [t])


Y3 = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]

ERROR_CASES = [
    # (function, y, t, error, message regex)
    (cross_entropy_error, [0.5, float("nan")], 0, ValueError, r"^y contains NaN"),
    (cross_entropy_error, [0.5, 0.5], [1.0, float("nan")], ValueError, r"^t contains NaN"),
    (cross_entropy_error, [], 0, ValueError, r"^y is empty"),
    (cross_entropy_error, [0.5, 0.5], [], ValueError, r"^t is empty"),
    (cross_entropy_error, [0.5, 1.5], 0, ValueError, r"^y must be probabilities in \[0, 1\]"),
    (cross_entropy_error, [-0.1, 1.1], 0, ValueError, r"^y must be probabilities"),
    (cross_entropy_error, Y3, [0, 3], ValueError, r"^t as class indices must be integers in \[0, 3\)"),
    (cross_entropy_error, Y3, [0, -1], ValueError, r"^t as class indices must be integers"),
    (cross_entropy_error, Y3, [0.5, 1], ValueError, r"^t as class indices must be integers"),
    (cross_entropy_error, Y3, [0, 1, 2], ValueError, r"^t must be one-hot with y's shape \(2, 3\) or class "
                                                     r"indices with shape \(2,\), got shape \(3,\)"),
    (cross_entropy_error, Y3, [[0, 1], [1, 0]], ValueError, r"^t must be one-hot with y's shape"),
    (cross_entropy_error, "abc", 0, TypeError, r"^y must contain real numbers"),
    (cross_entropy_error, [0.5, 0.5], None, TypeError, r"^t must contain real numbers"),
    (mean_squared_error, [1.0, float("nan")], [1.0, 0.0], ValueError, r"^y contains NaN"),
    (mean_squared_error, np.zeros((2, 0)), [0, 0], ValueError, r"^y is empty"),
    (mean_squared_error, Y3, [3, 0], ValueError, r"^t as class indices must be integers in \[0, 3\)"),
    (mean_squared_error, Y3, [0.0, 1.0, 0.0, 0.0], ValueError, r"^t must be one-hot with y's shape"),
    (binary_cross_entropy, [0.5, float("nan")], [0.0, 1.0], ValueError, r"^p contains NaN"),
    (binary_cross_entropy, [], [], ValueError, r"^p is empty"),
    (binary_cross_entropy, [0.5, 1.5], [0.0, 1.0], ValueError, r"^p must be probabilities in \[0, 1\]"),
    (binary_cross_entropy, [0.5, 0.5], [0.0, 2.0], ValueError, r"^t must be labels in \[0, 1\]"),
    (binary_cross_entropy, [0.5, 0.5], [0.0], ValueError,
     r"^p and t must have the same shape, got \(2,\) and \(1,\)"),
    (binary_cross_entropy_with_logits, [0.5, float("nan")], [0.0, 1.0], ValueError, r"^z contains NaN"),
    (binary_cross_entropy_with_logits, [0.5, 0.5], [0.0, float("nan")], ValueError, r"^t contains NaN"),
    (binary_cross_entropy_with_logits, [], [], ValueError, r"^z is empty"),
    (binary_cross_entropy_with_logits, [3.0, -2.0], [0.0, 1.5], ValueError, r"^t must be labels in \[0, 1\]"),
    (cross_entropy_error, [0.5, 0.5], [-1.0, 0.0], ValueError, r"^t as one-hot \(or soft\) labels must lie in \[0, 1\]"),
    (binary_cross_entropy_with_logits, [[1.0, 2.0]], [1.0, 0.0], ValueError,
     r"^z and t must have the same shape"),
    (binary_cross_entropy_with_logits, ["a"], [1.0], TypeError, r"^z must contain real numbers"),
]


@pytest.mark.parametrize("loss, y, t, error, message", ERROR_CASES,
                         ids=[f"{c[0].__name__}-{c[4][1:30]}" for c in ERROR_CASES])
def test_rejects_bad_input_with_a_message_naming_the_argument(loss, y, t, error, message):
    with pytest.raises(error, match=message):
        loss(y, t)


@pytest.mark.parametrize("loss, y, t", [
    (cross_entropy_error, np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]]), np.array([2, 0])),
    (cross_entropy_error, np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]]), np.array([[0.0, 0, 1], [1, 0, 0]])),
    (mean_squared_error, np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]]), np.array([[0.0, 0, 1], [1, 0, 0]])),
    (binary_cross_entropy, np.array([0.0, 0.3, 1.0]), np.array([0.0, 1.0, 1.0])),
    (binary_cross_entropy_with_logits, np.array([-50.0, 0.3, 40.0]), np.array([0.0, 1.0, 0.5])),
], ids=lambda v: getattr(v, "__name__", None))
def test_does_not_mutate_its_inputs(loss, y, t):
    y_before, t_before = y.copy(), t.copy()
    loss(y, t)
    assert np.array_equal(y, y_before) and np.array_equal(t, t_before)
