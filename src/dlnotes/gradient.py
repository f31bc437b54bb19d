"""Numerical gradients (central differences) and gradient descent.

The numerical gradient is slow, one pair of function calls per parameter, but it needs nothing
except f itself, which makes it the reference that backpropagation is checked against.
"""

import numpy as np

from dlnotes.checks import as_float_array


# --8<-- [start:numerical_gradient]
def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function f at x by central differences (f(x+h) - f(x-h)) / 2h.

    x is any shape; the result has x's shape and dtype. If x is a float ndarray, its elements
    are nudged in place one at a time and restored exactly, so f may read x through another
    reference (as a network's loss reads its own weights); x is unchanged on return.
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        x = as_float_array(x, "x")
    if x.ndim == 0:  # a number: work on a 1-element view
        return numerical_gradient(lambda v: f(v.reshape(())), x.reshape(1), h).reshape(())
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        try:
            x[idx] = original + h
            f_plus = f(x)
            x[idx] = original - h
            f_minus = f(x)
        finally:
            x[idx] = original  # restore, even if f raised
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
# --8<-- [end:numerical_gradient]


# --8<-- [start:gradient_descent]
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Minimise f by x <- x - lr * grad f(x), step_num times, from init_x (not modified).

    Returns (x, path): the final x, and path of shape (step_num + 1, *x.shape) holding the
    start and every step, for plotting the descent.
    """
    x = as_float_array(init_x, "init_x").copy()
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    path = [x.copy()]
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
        path.append(x.copy())
    return x, np.array(path)
# --8<-- [end:gradient_descent]
