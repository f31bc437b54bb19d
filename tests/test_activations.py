"""Tests of dlnotes.activations: the invariants the lessons claim, as Hypothesis properties.

The properties themselves live in dlnotes.properties, once: these tests run them on dlnotes'
own functions, lesson 3 shows and runs the softmax ones, and dlnotes.exercises.check runs them
on a learner's function.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlnotes.activations import (
    identity_function,
    identity_grad,
    log_softmax,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step_function,
    step_grad,
    tanh,
    tanh_grad,
)
from dlnotes.properties import (
    PROPERTIES,
    float_arrays,
    relu_values,
    sigmoid_in_0_1_and_symmetric,
    sigmoid_matches_formula,
    softmax_exp_of_log_softmax,
    softmax_is_shift_invariant,
    softmax_no_overflow,
    softmax_preserves_order,
    softmax_sums_to_one,
    step_function_values,
)

ELEMENTWISE = [step_function, sigmoid, tanh, relu, identity_function,
               step_grad, sigmoid_grad, tanh_grad, relu_grad, identity_grad]
ALONG_AXIS = [softmax, log_softmax]
ALL = ELEMENTWISE + ALONG_AXIS


# ---- softmax: the properties lesson 3 shows --------------------------------------------------

test_softmax_sums_to_one_and_lies_in_0_1 = softmax_sums_to_one(softmax)  # |x| up to 1e300
test_softmax_preserves_order = softmax_preserves_order(softmax)
test_softmax_is_shift_invariant = softmax_is_shift_invariant(softmax)
test_exp_of_log_softmax_is_softmax = softmax_exp_of_log_softmax(softmax, log_softmax)
test_softmax_does_not_overflow = softmax_no_overflow(softmax)


# ---- what dlnotes.exercises.check runs, on the package's own functions ----------------------

IMPLEMENTATIONS = {"step_function": step_function, "sigmoid": sigmoid, "relu": relu,
                   "softmax": softmax}


@pytest.mark.parametrize("prop", [p for name in IMPLEMENTATIONS for p in PROPERTIES[name]],
                         ids=lambda p: f"{p.name}-{p.id}")
def test_the_properties_check_runs_hold_for_the_package(prop):
    prop(IMPLEMENTATIONS[prop.name])()


def test_softmax_known_values():
    # Closed forms: softmax([0, ln 2]) = [1/3, 2/3]; a scalar's softmax is 1.
    np.testing.assert_allclose(softmax([0.0, math.log(2)]), [1 / 3, 2 / 3], rtol=1e-15)
    assert softmax(3.0) == 1.0 and softmax(3.0).shape == ()
    np.testing.assert_allclose(log_softmax([0.0, math.log(2)]), np.log([1 / 3, 2 / 3]), rtol=1e-15)


def test_softmax_of_the_overflow_example():
    # exp(1010) overflows float64; the true values are e^0, e^-10, e^-20 normalised.
    expected = np.exp([0.0, -10.0, -20.0]) / np.sum(np.exp([0.0, -10.0, -20.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(np.array([1010.0, 1000.0, 990.0]))
    np.testing.assert_allclose(y, expected, rtol=1e-14)


@given(float_arrays(max_magnitude=1e3), st.sampled_from([0, 1, -1, -2]))
def test_softmax_along_any_axis_matches_the_last_axis(x, axis):
    if not -x.ndim <= axis < x.ndim:
        with pytest.raises(ValueError, match="axis"):
            softmax(x, axis=axis)
        return
    moved = np.moveaxis(x, axis, -1)
    np.testing.assert_array_equal(np.moveaxis(softmax(x, axis=axis), axis, -1), softmax(moved))
    np.testing.assert_array_equal(np.moveaxis(log_softmax(x, axis=axis), axis, -1), log_softmax(moved))


def test_log_softmax_stays_finite_where_log_of_softmax_does_not():
    x = np.array([0.0, -1000.0])
    assert softmax(x)[1] == 0.0  # underflow: log(0) would be -inf
    np.testing.assert_allclose(log_softmax(x), [0.0, -1000.0], rtol=1e-15)


def test_softmax_rejects_infinity():
    with pytest.raises(ValueError, match=r"x contains inf"):
        softmax([1.0, np.inf])


# ---- sigmoid, tanh, relu, step, identity ---------------------------------------------------

test_sigmoid_is_symmetric_and_in_0_1 = sigmoid_in_0_1_and_symmetric(sigmoid)  # |x| up to 1e300
test_sigmoid_matches_the_textbook_formula_where_it_cannot_overflow = sigmoid_matches_formula(sigmoid)


@given(float_arrays(max_magnitude=30, dtypes=(np.float64,)))
def test_tanh_is_a_rescaled_sigmoid(x):
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, rtol=1e-12, atol=1e-15)


test_relu_is_idempotent_and_nonnegative = relu_values(relu)
test_step_function_is_0_or_1_and_matches_the_sign = step_function_values(step_function)


@given(float_arrays())
def test_identity_returns_its_input_as_a_new_array(x):
    y = identity_function(x)
    assert np.array_equal(y, x) and y is not x and not np.shares_memory(x, y)


def test_known_values():
    assert sigmoid(0.0) == 0.5
    np.testing.assert_allclose(sigmoid(math.log(3)), 0.75, rtol=1e-15)
    np.testing.assert_allclose(tanh([0.5, -2.0]), [math.tanh(0.5), math.tanh(-2.0)], rtol=1e-15)
    assert np.array_equal(step_function([-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    assert np.array_equal(relu([-1.0, 0.0, 2.0]), [0.0, 0.0, 2.0])


# ---- derivatives against a central difference ------------------------------------------------

FUNCTIONS_AND_DERIVATIVES = [
    (sigmoid, sigmoid_grad),
    (tanh, tanh_grad),
    (relu, relu_grad),
    (identity_function, identity_grad),
    (step_function, step_grad),
]


@pytest.mark.parametrize("f, df", FUNCTIONS_AND_DERIVATIVES, ids=lambda f: f.__name__)
@given(x=float_arrays(max_magnitude=20, dtypes=(np.float64,)))
def test_derivative_agrees_with_central_difference(f, df, x):
    h = 1e-5
    x = np.where(np.abs(x) < 1e-3, 1e-3, x)  # keep off the kink of relu and step at 0
    numerical = (f(x + h) - f(x - h)) / (2 * h)
    np.testing.assert_allclose(df(x), numerical, rtol=0, atol=1e-8)


# ---- shapes, dtypes, errors: the contract every function keeps -------------------------------

@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_float_dtype_and_shape(f, dtype):
    for x in (np.array(0.5, dtype), np.arange(4, dtype=dtype), np.ones((3, 5), dtype)):
        y = f(x)
        assert y.dtype == dtype and y.shape == x.shape


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_promotes_integers_and_lists_to_float64(f):
    assert f(np.array([1, 2, 3])).dtype == np.float64
    assert f([1, 2, 3]).dtype == np.float64
    assert f(2).dtype == np.float64


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_never_warns_on_extreme_input(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            big = np.finfo(dtype).max
            f(np.array([-big, -1000, 0, 1000, big], dtype=dtype))
            f(np.array([[1010, 1000, 990]], dtype=dtype))


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad, error, words", [
    ([1.0, float("nan")], ValueError, "NaN"),
    ([], ValueError, "empty"),
    (np.zeros((2, 0)), ValueError, "empty"),
    ("abc", TypeError, "real numbers"),
    (None, TypeError, "real numbers"),
    ([1 + 2j], TypeError, "real numbers"),
    ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
])
def test_rejects_bad_input_naming_the_argument(f, bad, error, words):
    with pytest.raises(error, match=rf"^x .*{words}"):
        f(bad)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_does_not_mutate_its_input(f):
    x = np.array([[-2.0, 0.0, 3.0], [1.0, 1.0, -1.0]])
    before = x.copy()
    f(x)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("f", ALONG_AXIS, ids=lambda f: f.__name__)
def test_axis_must_be_a_valid_int(f):
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        f(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        f(np.ones((2, 3)), axis=1.0)
