"""Activation functions, softmax and log-softmax, and the derivatives backpropagation needs.

Every function takes a number, a vector or a batch (any shape), keeps float32 as float32 and
float64 as float64 (integers become float64), never emits a NumPy RuntimeWarning, and rejects
NaN, empty and non-numeric input with an error that names the argument.
"""

import numpy as np

from dlnotes.checks import as_float_array, check_axis


# --8<-- [start:step_function]
def step_function(x):
    """Step function: 1 where x > 0, else 0, in the dtype of ``x``.

    Shapes: any shape in, the same shape out.
    """
    x = as_float_array(x, "x")
    y = (x > 0).astype(x.dtype)
    return y
# --8<-- [end:step_function]


# --8<-- [start:sigmoid]
def sigmoid(x):
    """Sigmoid 1 / (1 + exp(-x)), computed without overflow for any finite or infinite x.

    Shapes: any shape in, the same shape out; every value lies in [0, 1].
    """
    x = as_float_array(x, "x")
    # exp(-|x|) <= 1 never overflows; both branches are the same formula rearranged.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(x):
    """Hyperbolic tangent (exp(x) - exp(-x)) / (exp(x) + exp(-x)), values in [-1, 1].

    Shapes: any shape in, the same shape out. NumPy's ``np.tanh`` is already overflow-safe.
    """
    x = as_float_array(x, "x")
    return np.tanh(x)
# --8<-- [end:tanh]


# --8<-- [start:relu]
def relu(x):
    """ReLU: max(0, x), elementwise.

    Shapes: any shape in, the same shape out.
    """
    x = as_float_array(x, "x")
    return np.maximum(x, 0)
# --8<-- [end:relu]


# --8<-- [start:identity_function]
def identity_function(x):
    """Identity: returns (a float copy of) x unchanged; the output layer of a regression.

    Shapes: any shape in, the same shape out.
    """
    x = as_float_array(x, "x")
    return x.copy()
# --8<-- [end:identity_function]


# --8<-- [start:softmax]
def softmax(x, axis=-1):
    """Softmax exp(x_k) / sum_i exp(x_i) along ``axis``, without overflow.

    Shapes: (n,) -> (n,) for one sample, (N, n) -> (N, n) for a batch (rows sum to 1).
    Raises ValueError for NaN or infinite input, where softmax is undefined.
    """
    x = as_float_array(x, "x", allow_inf=False)
    axis = check_axis(axis, x.ndim)
    # Overflow guard: exp(x - max) <= 1, and softmax(x - c) == softmax(x) for any c.
    # For |x| near the dtype's limit, x - max may round to -inf; exp(-inf) = 0 is exact then.
    with np.errstate(over="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=axis, keepdims=True)
# --8<-- [end:softmax]


# --8<-- [start:log_softmax]
def log_softmax(x, axis=-1):
    """Logarithm of the softmax, (x_k - max) - log(sum_i exp(x_i - max)), along ``axis``.

    More accurate than ``np.log(softmax(x))``: a probability that underflows to 0 would give
    -inf there, while log_softmax stays finite. Shapes as for :func:`softmax`.
    """
    x = as_float_array(x, "x", allow_inf=False)
    axis = check_axis(axis, x.ndim)
    with np.errstate(over="ignore"):  # see softmax
        shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
# --8<-- [end:log_softmax]


# Derivatives, for backpropagation. Each takes the same x as its function.

# --8<-- [start:derivatives]
def step_grad(x):
    """Derivative of the step function: 0 everywhere (undefined at x = 0, taken as 0)."""
    x = as_float_array(x, "x")
    return np.zeros_like(x)


def sigmoid_grad(x):
    """Derivative of the sigmoid: sigmoid(x) * (1 - sigmoid(x))."""
    y = sigmoid(x)
    return y * (1 - y)


def tanh_grad(x):
    """Derivative of tanh: 1 - tanh(x)**2."""
    y = tanh(x)
    return 1 - y**2


def relu_grad(x):
    """Derivative of ReLU: 1 where x > 0, else 0 (the value at x = 0 is taken as 0)."""
    x = as_float_array(x, "x")
    return (x > 0).astype(x.dtype)


def identity_grad(x):
    """Derivative of the identity: 1 everywhere."""
    x = as_float_array(x, "x")
    return np.ones_like(x)
# --8<-- [end:derivatives]
