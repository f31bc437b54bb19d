"""Input checks shared by every lesson: turn user input into a float array or say what is wrong.

Every public function of ``dlnotes`` calls :func:`as_float_array` on its inputs first, so a bad
argument fails at the boundary with a message that names the argument and the problem, instead of
a NumPy warning or a silent ``nan`` several functions later.
"""

import numpy as np


# --8<-- [start:as_float_array]
def as_float_array(x, name="x", allow_inf=True):
    """Return ``x`` as a NumPy float array, or raise an error that says what is wrong.

    Float arrays keep their dtype (float32 stays float32); integers and booleans become float64.

    Parameters
    ----------
    x : array_like
        A number, a (nested) list of numbers or an array of any shape.
    name : str
        The argument's name, used in error messages.
    allow_inf : bool
        Whether ``inf`` and ``-inf`` are accepted.

    Returns
    -------
    numpy.ndarray
        A float array with the shape of ``x`` (0-d for a scalar). Never a view that the
        caller could see changed: functions here do not write into it.

    Raises
    ------
    TypeError
        If ``x`` is not numeric (strings, None, objects, complex numbers).
    ValueError
        If ``x`` is ragged, empty, contains NaN, or contains inf when ``allow_inf`` is False.
    """
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {err}") from None
    kind = arr.dtype.kind
    if kind in "iub":  # integers and booleans: promote, as NumPy's own float functions do
        arr = arr.astype(np.float64)
    elif kind != "f":
        raise TypeError(
            f"{name} must contain real numbers, got dtype {arr.dtype} "
            f"(for example np.array([1.0, 2.0]), not {type(x).__name__} {x!r:.40})"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one number")
    if np.isnan(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        raise ValueError(f"{name} contains NaN (first at index {where}); remove or replace it")
    if not allow_inf and np.isinf(arr).any():
        where = tuple(int(i) for i in np.argwhere(np.isinf(arr))[0])
        raise ValueError(f"{name} contains inf (first at index {where}); pass finite numbers")
    return arr
# --8<-- [end:as_float_array]


def check_axis(axis, ndim, name="axis"):
    """Return ``axis`` as a non-negative int valid for an array of ``ndim`` dimensions.

    For a 0-d input (a scalar) it returns None: NumPy reductions then treat the scalar whole.

    Raises
    ------
    TypeError
        If ``axis`` is not an integer.
    ValueError
        If ``axis`` is out of range for ``ndim`` dimensions.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(axis).__name__}")
    n = max(ndim, 1)
    if not -n <= axis < n:
        raise ValueError(f"{name}={axis} is out of range for an input with {ndim} dimension(s)")
    return None if ndim == 0 else int(axis) % n
