"""Tests of dlnotes.network: the 3-layer network of "Deep Learning from Scratch", chapter 3.

Expected values come from outside the implementation: the book's published output, and a plain
per-neuron loop in Python floats (``sum_i x_i W_ij + b_j``, then ``1 / (1 + exp(-a))`` with
``math.exp``), never from ``forward`` itself.

Lesson 5 (forward propagation) embeds and runs the sections between the ``--8<--`` markers, so
they are written to run on their own, ``reference`` first.
"""

import copy
import re

import pytest

# --8<-- [start:reference]
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.network import forward, predict


def reference_forward(network, x):
    """One sample through the network, one neuron at a time, in Python floats (no NumPy maths)."""
    z = [float(v) for v in x]
    for layer in (1, 2, 3):
        W = network[f"W{layer}"].tolist()  # W[i][j]: from input i to neuron j
        b = network[f"b{layer}"].tolist()
        a = [sum(z[i] * W[i][j] for i in range(len(z))) + b[j] for j in range(len(b))]
        z = [1 / (1 + math.exp(-a_j)) for a_j in a] if layer < 3 else a  # sigmoid, then identity
    return z


def reference_softmax(a):
    """Softmax of a list of floats, with the max shift, in Python floats."""
    e = [math.exp(a_k - max(a)) for a_k in a]
    return [e_k / sum(e) for e_k in e]


@st.composite
def networks_and_batches(draw, max_side=6, max_batch=8):
    """A network with drawn layer sizes n_in -> h1 -> h2 -> n_out (1 to max_side each),
    weights and biases in [-3, 3], and a batch x of shape (N, n_in) with entries in [-3, 3]."""
    n_in, h1, h2, n_out = (draw(st.integers(1, max_side)) for _ in range(4))
    N = draw(st.integers(1, max_batch))
    values = st.floats(-3, 3, allow_nan=False)
    network = {}
    for layer, (rows, cols) in enumerate([(n_in, h1), (h1, h2), (h2, n_out)], start=1):
        network[f"W{layer}"] = draw(hnp.arrays(np.float64, (rows, cols), elements=values))
        network[f"b{layer}"] = draw(hnp.arrays(np.float64, (cols,), elements=values))
    x = draw(hnp.arrays(np.float64, (N, n_in), elements=values))
    return network, x
# --8<-- [end:reference]

from dlnotes.network import affine, check_network, init_network  # noqa: E402

BOOK_X = [1.0, 0.5]
BOOK_Y = [0.31682708, 0.69627909]  # "Deep Learning from Scratch", section 3.4.3 (8 digits)
KEYS = ["W1", "b1", "W2", "b2", "W3", "b3"]


# ---- the book's worked example --------------------------------------------------------------

def test_forward_gives_the_books_output():
    y = forward(init_network(), BOOK_X)
    assert y.shape == (2,)
    np.testing.assert_allclose(y, BOOK_Y, rtol=0, atol=5e-9)  # the book prints 8 digits


def test_the_books_first_layer_by_hand():
    # a1 = x W1 + b1 = (1*0.1 + 0.5*0.2 + 0.1, 1*0.3 + 0.5*0.4 + 0.2, 1*0.5 + 0.5*0.6 + 0.3)
    a1 = affine(np.array(BOOK_X), init_network()["W1"], init_network()["b1"], layer=1)
    np.testing.assert_allclose(a1, [0.3, 0.7, 1.1], rtol=0, atol=1e-15)


def test_the_books_example_as_a_batch():
    y = forward(init_network(), [BOOK_X] * 3)
    assert y.shape == (3, 2)
    np.testing.assert_allclose(y, [BOOK_Y] * 3, rtol=0, atol=5e-9)


def test_predict_of_the_books_example_is_the_softmax_of_its_scores():
    np.testing.assert_allclose(predict(init_network(), BOOK_X), reference_softmax(BOOK_Y),
                               rtol=0, atol=1e-8)


def test_init_network_returns_fresh_arrays():
    first = init_network()
    first["W1"][0, 0] = 99.0
    assert init_network()["W1"][0, 0] == 0.1


# ---- properties: the claims of lesson 5 ------------------------------------------------------

# --8<-- [start:properties]
@given(networks_and_batches())
def test_forward_matches_the_per_neuron_loop(network_and_x):
    network, x = network_and_x
    for x_row in x:  # one sample (n_in,) at a time
        np.testing.assert_allclose(forward(network, x_row), reference_forward(network, x_row),
                                   rtol=1e-9, atol=1e-9)


@given(networks_and_batches())
def test_batch_equals_row_by_row(network_and_x):
    network, x = network_and_x
    y = forward(network, x)  # the whole batch (N, n_in) at once
    for i in range(len(x)):
        np.testing.assert_allclose(y[i], forward(network, x[i]), rtol=1e-12, atol=1e-12)


@given(networks_and_batches())
def test_predict_rows_are_probabilities_summing_to_one(network_and_x):
    network, x = network_and_x
    p = predict(network, x)
    assert p.shape == (len(x), network["b3"].shape[0])
    assert np.all((0 <= p) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=0, atol=1e-12)
    for p_row, x_row in zip(p, x):
        expected = reference_softmax(reference_forward(network, x_row))
        np.testing.assert_allclose(p_row, expected, rtol=1e-9, atol=1e-12)
# --8<-- [end:properties]


@given(networks_and_batches())
def test_shapes_of_outputs_for_one_sample_and_for_a_batch(network_and_x):
    network, x = network_and_x
    (N, n_in), n_out = x.shape, network["b3"].shape[0]
    assert network["W1"].shape[0] == n_in
    for f in (forward, predict):
        assert f(network, x).shape == (N, n_out)
        assert f(network, x[0]).shape == (n_out,)


@given(networks_and_batches(), st.data())
def test_inputs_are_not_mutated(network_and_x, data):
    network, x = network_and_x
    network["extra"] = "ignored"  # entries forward does not use stay too
    network_before, x_before = copy.deepcopy(network), x.copy()
    for arr in [x] + [network[k] for k in KEYS]:
        arr.flags.writeable = False  # an in-place write would raise here
    sample = x[data.draw(st.integers(0, len(x) - 1))]
    for f in (forward, predict):
        f(network, x)
        f(network, sample)
        f(network, x.tolist())
    assert network.keys() == network_before.keys()
    assert network["extra"] == "ignored"
    for k in KEYS:
        assert np.array_equal(network[k], network_before[k])
        assert network[k].dtype == network_before[k].dtype
    assert np.array_equal(x, x_before)


def test_inputs_are_not_mutated_as_lists():
    network = {k: v.tolist() for k, v in init_network().items()}
    before, x = copy.deepcopy(network), [[1.0, 0.5], [0.0, 0.0]]
    forward(network, x)
    predict(network, x)
    assert network == before
    assert x == [[1.0, 0.5], [0.0, 0.0]]


# ---- dtypes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [np.array(BOOK_X), np.array([BOOK_X, [0.0, -1.0]])], ids=["one", "batch"])
def test_float32_input_and_weights_stay_float32(x):
    network32 = {k: v.astype(np.float32) for k, v in init_network().items()}
    x32 = x.astype(np.float32)
    for f in (forward, predict):
        assert f(network32, x32).dtype == np.float32
    y32 = forward(network32, x32)
    expected = [reference_forward(init_network(), row) for row in np.atleast_2d(x)]
    np.testing.assert_allclose(np.atleast_2d(y32), expected, rtol=1e-6, atol=1e-6)


def test_integer_and_list_input_becomes_float64():
    y = forward(init_network(), [1, 0])
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, reference_forward(init_network(), [1, 0]), rtol=1e-12)


# ---- errors ------------------------------------------------------------------------------------

def with_entry(key, value):
    """The book's network with one entry replaced."""
    network = init_network()
    network[key] = np.asarray(value, dtype=np.float64)
    return network


@pytest.mark.parametrize("x, x_shape",
                         [(BOOK_X, "(3,)"), ([BOOK_X], "(1, 3)"), ([BOOK_X] * 4, "(4, 3)")])
def test_the_classic_mistake_a_W2_of_the_wrong_shape(x, x_shape):
    network = with_entry("W2", [[0.1, 0.4], [0.2, 0.5]])  # (2, 2): one row short of (3, 2)
    with pytest.raises(ValueError) as err:
        forward(network, x)
    message = str(err.value)
    assert "layer 2" in message
    assert x_shape in message  # what reaches layer 2: z1, 3 values per sample
    assert "(2, 2)" in message
    assert "W2" in message


@pytest.mark.parametrize("x, x_shape", [([1.0, 0.5, 0.2], "(3,)"), ([[1.0, 0.5, 0.2]] * 2, "(2, 3)")])
def test_input_of_the_wrong_length_names_layer_1(x, x_shape):
    with pytest.raises(ValueError) as err:
        forward(init_network(), x)
    message = str(err.value)
    assert "layer 1" in message and x_shape in message and "(2, 3)" in message


def test_a_W3_of_the_wrong_shape_names_layer_3():
    network = with_entry("W3", np.ones((3, 2)))
    with pytest.raises(ValueError) as err:
        predict(network, BOOK_X)
    message = str(err.value)
    assert "layer 3" in message and "(2,)" in message and "(3, 2)" in message


@pytest.mark.parametrize("b2", [[0.1, 0.2, 0.3], [[0.1], [0.2]], [[0.1, 0.2]], 0.1, [0.1]],
                         ids=["(3,)", "(2, 1)", "(1, 2)", "()", "(1,)"])
@pytest.mark.parametrize("x", [BOOK_X, [BOOK_X] * 2], ids=["one", "batch"])
def test_a_bias_of_the_wrong_shape_is_refused_even_where_numpy_would_broadcast(b2, x):
    # (2, 1), (1, 2), () and (1,) all broadcast against (2,) or (N, 2) in plain NumPy, silently
    network = with_entry("b2", b2)
    with pytest.raises(ValueError) as err:
        forward(network, x)
    message = str(err.value)
    assert "layer 2" in message
    assert f"b2 {np.shape(b2)}" in message
    assert "(3, 2)" in message  # W2's shape, which fixes what b2 must be


def test_a_weight_that_is_not_a_matrix_is_refused():
    network = with_entry("W1", [0.1, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"layer 1.*W1.*\(3,\)"):
        forward(network, BOOK_X)


def missing_names(err):
    """The names in a "network is missing W1, b3: ..." message (KeyError quotes str(err))."""
    match = re.search(r"missing (.*?):", err.value.args[0])
    assert match, err.value.args[0]
    return match.group(1).split(", ")


@given(st.lists(st.sampled_from(KEYS), min_size=1, unique=True))
def test_missing_keys_raise_keyerror_naming_exactly_them(missing):
    network = {k: v for k, v in init_network().items() if k not in missing}
    calls = [lambda: forward(network, BOOK_X), lambda: predict(network, BOOK_X),
             lambda: check_network(network)]
    for call in calls:
        with pytest.raises(KeyError) as err:
            call()
        assert sorted(missing_names(err)) == sorted(missing)


def test_check_network_accepts_a_complete_network():
    assert check_network(init_network()) is None


@given(st.data())
def test_nan_in_x_raises_valueerror_naming_x(data):
    x = np.array([BOOK_X] * 3)
    i, j = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 1))
    x[i, j] = np.nan
    with pytest.raises(ValueError, match=rf"^x contains NaN \(first at index \({i}, {j}\)\)"):
        forward(init_network(), x)
    with pytest.raises(ValueError, match=r"^x contains NaN"):
        predict(init_network(), x[i])


@pytest.mark.parametrize("key", KEYS)
def test_nan_in_a_weight_or_bias_raises_valueerror_naming_it(key):
    network = init_network()
    network[key] = network[key].copy()
    network[key].flat[-1] = np.nan
    with pytest.raises(ValueError, match=rf"^{key} contains NaN"):
        forward(network, BOOK_X)
    with pytest.raises(ValueError, match=rf"^{key} contains NaN"):
        predict(network, [BOOK_X] * 2)


def test_a_scalar_or_3d_input_raises_valueerror():
    with pytest.raises(ValueError, match=r"layer 1: x must be \(n_in,\) or \(N, n_in\), got shape \(\)"):
        forward(init_network(), 1.0)
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2\)"):
        forward(init_network(), np.ones((2, 2, 2)))


def test_infinity_is_named_where_it_is():
    with pytest.raises(ValueError, match="x contains inf"):
        forward(init_network(), [np.inf, -np.inf])
    network = init_network()
    network["W1"] = network["W1"].copy()
    network["W1"][0, 0] = np.inf
    with pytest.raises(ValueError, match="W1 contains inf"):
        forward(network, [0.0, 1.0])
