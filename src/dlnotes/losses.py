"""Loss functions: how far a network's output y is from the label t.

Each loss takes one sample or a batch (the first axis) and returns the mean over the batch, as a
NumPy scalar of the input's float dtype. Probabilities of exactly 0 give large but finite losses, never ``inf`` or a warning.
"""

import numpy as np

from dlnotes.checks import as_float_array


# --8<-- [start:labels_like]
def labels_like(y, t, name="t"):
    """Return labels t as one-hot with y's shape; t may already be one-hot, or class indices.

    Shapes: y is (n,) or (N, n); t is the same shape, or () / (N,) integers in [0, n).
    """
    t = as_float_array(t, name)
    if t.shape == y.shape:
        return t.astype(y.dtype, copy=False)  # integer labels must not promote a float32 loss
    if y.ndim >= 1 and t.shape == y.shape[:-1]:
        n_classes = y.shape[-1]
        if not (np.all(t == np.round(t)) and np.all((0 <= t) & (t < n_classes))):
            raise ValueError(f"{name} as class indices must be integers in [0, {n_classes}), got {t}")
        return np.eye(n_classes, dtype=y.dtype)[t.astype(np.int64)]
    raise ValueError(
        f"{name} must be one-hot with y's shape {y.shape} or class indices with shape {y.shape[:-1]}, "
        f"got shape {t.shape}"
    )
# --8<-- [end:labels_like]


# --8<-- [start:mean_squared_error]
def mean_squared_error(y, t):
    """Mean squared error 0.5 * sum_k (y_k - t_k)**2, averaged over the batch.

    Shapes: y is (n,) or (N, n); t is the same shape, or class indices (N,) turned one-hot.
    """
    y = as_float_array(y, "y")
    t = labels_like(y, t)
    return np.mean(0.5 * np.sum((y - t) ** 2, axis=-1))
# --8<-- [end:mean_squared_error]


# --8<-- [start:cross_entropy_error]
def cross_entropy_error(y, t):
    """Cross-entropy -sum_k t_k * log(y_k), averaged over the batch.

    Shapes: y holds probabilities (n,) or (N, n), e.g. softmax outputs; t is one-hot with y's
    shape or class indices () / (N,). Raises ValueError if y is not in [0, 1].
    """
    y = as_float_array(y, "y")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must be probabilities in [0, 1] (apply softmax to raw scores first)")
    t = labels_like(y, t)
    if np.any((t < 0) | (t > 1)):
        raise ValueError("t as one-hot (or soft) labels must lie in [0, 1]")
    # log(0) = -inf: floor y at the smallest normal float, so p = 0 gives a large finite loss
    # (about 708 in float64) and p = 1 gives exactly 0, not the book's -1e-7.
    log_y = np.log(np.maximum(y, np.finfo(y.dtype).tiny))
    return np.mean(-np.sum(t * log_y, axis=-1))
# --8<-- [end:cross_entropy_error]


# --8<-- [start:binary_cross_entropy]
def binary_cross_entropy(p, t):
    """Binary cross-entropy -(t*log(p) + (1-t)*log(1-p)), averaged over all elements.

    Shapes: p (probabilities of class 1) and t (labels 0 or 1, or soft labels in [0, 1]) have
    the same shape. For raw scores use :func:`binary_cross_entropy_with_logits`: it is exact
    where 1 - p would round to 0.
    """
    p = as_float_array(p, "p")
    t = as_float_array(t, "t").astype(p.dtype, copy=False)
    if p.shape != t.shape:
        raise ValueError(f"p and t must have the same shape, got {p.shape} and {t.shape}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must be probabilities in [0, 1] (for raw scores use binary_cross_entropy_with_logits)")
    if np.any((t < 0) | (t > 1)):
        raise ValueError("t must be labels in [0, 1]")
    tiny = np.finfo(p.dtype).tiny  # log(0) guard, as in cross_entropy_error
    losses = -(t * np.log(np.maximum(p, tiny)) + (1 - t) * np.log(np.maximum(1 - p, tiny)))
    return np.mean(losses)
# --8<-- [end:binary_cross_entropy]


# --8<-- [start:binary_cross_entropy_with_logits]
def binary_cross_entropy_with_logits(z, t):
    """Binary cross-entropy of sigmoid(z), computed from the logits z without overflow.

    Uses -(t*log(sigmoid(z)) + (1-t)*log(1-sigmoid(z))) = max(z, 0) - z*t + log(1 + exp(-|z|)),
    averaged over all elements. Shapes: z and t are the same shape. Raises ValueError for
    infinite z.
    """
    z = as_float_array(z, "z", allow_inf=False)
    t = as_float_array(t, "t").astype(z.dtype, copy=False)
    if z.shape != t.shape:
        raise ValueError(f"z and t must have the same shape, got {z.shape} and {t.shape}")
    if np.any((t < 0) | (t > 1)):
        raise ValueError("t must be labels in [0, 1]")
    # max(z, 0) - z*t, written per sign so soft labels near 1 lose no precision;
    # exp(-|z|) <= 1 cannot overflow, and log1p keeps precision when it is tiny.
    return np.mean(np.where(z >= 0, z * (1 - t), -z * t) + np.log1p(np.exp(-np.abs(z))))
# --8<-- [end:binary_cross_entropy_with_logits]
