

# --8<-- [start:@@func@@]
def @@func@@(x):
    """TODO: one line saying what @@func@@ computes (lesson @@nn@@).

    Shapes: any shape in, the same shape out. (TODO: this stand-in returns a float copy of
    ``x``; replace it with the lesson's computation, and say why for each guard.)

    Parameters
    ----------
    x : array_like
        A number, a vector or a batch of any shape.

    Returns
    -------
    numpy.ndarray
        A new float array with the shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> @@func@@(np.array([1, -2]))
    array([ 1., -2.])
    """
    x = as_float_array(x, "x")
    return x.copy()  # a new array: never hand back (or change) the caller's
# --8<-- [end:@@func@@]
