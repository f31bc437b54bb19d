"""Tests of dlnotes.checks: what the boundary accepts, and the errors it gives otherwise."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.checks import as_float_array, check_axis


@given(hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64]), hnp.array_shapes(min_dims=0),
                  elements={"allow_nan": False}))
def test_float_arrays_keep_dtype_shape_and_values(x):
    y = as_float_array(x)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert np.array_equal(y, x)


@given(hnp.arrays(st.sampled_from([np.int8, np.int64, np.uint16, np.bool_]), hnp.array_shapes(min_dims=0)))
def test_integers_and_booleans_become_float64_with_the_same_values(x):
    y = as_float_array(x)
    assert y.dtype == np.float64
    assert np.array_equal(y, x.astype(np.float64))


def test_python_numbers_and_nested_lists():
    assert as_float_array(3).dtype == np.float64 and as_float_array(3).shape == ()
    assert as_float_array([[1, 2], [3, 4.5]]).shape == (2, 2)


@pytest.mark.parametrize("bad, error, message", [
    ([1.0, np.nan], ValueError, r"^w contains NaN \(first at index \(1,\)\)"),
    ([[0.0, 1.0], [np.nan, 2.0]], ValueError, r"^w contains NaN \(first at index \(1, 0\)\)"),
    ([], ValueError, r"^w is empty \(shape \(0,\)\)"),
    ("1.0", TypeError, r"^w must contain real numbers, got dtype <U3"),
    (None, TypeError, r"^w must contain real numbers, got dtype object"),
    ({"a": 1}, TypeError, r"^w must contain real numbers"),
    (np.array([1 + 1j]), TypeError, r"^w must contain real numbers, got dtype complex128"),
    ([[1, 2], [3]], ValueError, r"^w must be a rectangular array"),
])
def test_errors_name_the_argument_and_the_problem(bad, error, message):
    with pytest.raises(error, match=message):
        as_float_array(bad, "w")


def test_infinity_is_accepted_unless_refused():
    assert np.isinf(as_float_array([np.inf])).all()
    with pytest.raises(ValueError, match=r"^x contains inf \(first at index \(2,\)\)"):
        as_float_array([0.0, 1.0, -np.inf], allow_inf=False)


@pytest.mark.parametrize("axis, ndim, expected", [(0, 1, 0), (-1, 1, 0), (-1, 2, 1), (1, 3, 1), (-3, 3, 0),
                                                  (0, 0, None), (-1, 0, None)])
def test_check_axis_normalises(axis, ndim, expected):
    assert check_axis(axis, ndim) == expected


@pytest.mark.parametrize("axis, ndim, error", [(2, 2, ValueError), (-3, 2, ValueError), (1, 0, ValueError),
                                               (1.0, 2, TypeError), (True, 2, TypeError), ("0", 2, TypeError)])
def test_check_axis_rejects(axis, ndim, error):
    with pytest.raises(error, match="axis"):
        check_axis(axis, ndim)
