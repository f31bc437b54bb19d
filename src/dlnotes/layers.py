"""Layers with a forward and a backward pass, for backpropagation.

Every layer has ``forward(x)`` and ``backward(dout)``: backward takes the gradient of the loss
with respect to the layer's output and returns it with respect to the input, keeping the
gradients of its own parameters in ``dW`` and ``db``. No layer modifies the arrays it is given.
"""

import numpy as np

from dlnotes.activations import log_softmax, sigmoid
from dlnotes.checks import as_float_array
from dlnotes.losses import labels_like


# --8<-- [start:Relu]
class Relu:
    """ReLU layer: y = max(0, x); the gradient passes where x > 0 and is 0 elsewhere."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0  # where the gradient will pass
        return np.maximum(x, 0)  # a new array: x is not modified

    def backward(self, dout):
        # A new array: the book wrote zeros into dout. Multiplying by the True/False
        # mask is ~15x faster than np.where(mask, dout, 0) when the mask looks random.
        return dout * self.mask
# --8<-- [end:Relu]


# --8<-- [start:Sigmoid]
class Sigmoid:
    """Sigmoid layer: y = sigmoid(x); dy/dx = y * (1 - y), from the stored output."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out
# --8<-- [end:Sigmoid]


# --8<-- [start:Affine]
class Affine:
    """Affine layer: y = x @ W + b. Shapes: x (N, n_in) (or (N, ...), flattened),
    W (n_in, n_out).

    ``need_dx=False`` skips dL/dx in backward (which then returns None): for a first
    layer, whose x is the data, that product is never used.
    """

    def __init__(self, W, b, need_dx=True):
        self.W, self.b, self.need_dx = W, b, need_dx
        self.x = self.original_x_shape = None
        self.dW = self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)  # images (N, 1, 28, 28) become rows (N, 784)
        if self.x.shape[1] != self.W.shape[0]:
            n_in = self.x.shape[1]
            raise ValueError(f"Affine: x has {n_in} values per sample but W has shape "
                             f"{self.W.shape}: its first axis must be {n_in}")
        out = self.x @ self.W
        out += self.b  # into the product's own new array: one pass, no second array
        return out

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        if not self.need_dx:  # first layer: nobody needs the gradient of the data
            return None
        dx = dout @ self.W.T
        return dx.reshape(self.original_x_shape)
# --8<-- [end:Affine]


# --8<-- [start:SoftmaxWithLoss]
class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss, averaged over the batch.

    forward(x, t) takes scores x (N, C) and labels t, one-hot (N, C) or class indices
    (N,); backward() returns (softmax(x) - t) / N, the famously simple gradient of the
    pair.
    """

    def __init__(self):
        self.y = self.t = self.loss = None

    def forward(self, x, t):
        self.t = labels_like(x, t)  # one-hot, whichever form t came in
        # log_softmax, not log(y): exact even where a probability underflows to 0.
        log_y = log_softmax(x)
        self.y = np.exp(log_y)  # the softmax itself, without a second max and sum
        self.loss = -np.sum(self.t * log_y) / x.shape[0]
        return self.loss

    def backward(self, dout=1):
        return dout * (self.y - self.t) / self.t.shape[0]
# --8<-- [end:SoftmaxWithLoss]


# --8<-- [start:Dropout]
class Dropout:
    """Dropout: in training, zero each unit with probability ``ratio``; at test time,
    scale by 1 - ratio.

    ``rng`` is a numpy Generator or a seed, so runs are reproducible.
    """

    def __init__(self, ratio=0.5, rng=None):
        if not 0 <= ratio < 1:
            raise ValueError(f"ratio must be in [0, 1), got {ratio}")
        self.ratio = ratio
        self.rng = np.random.default_rng(rng)
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = self.rng.random(x.shape) > self.ratio
            return x * self.mask
        return x * (1.0 - self.ratio)

    def backward(self, dout):
        return dout * self.mask
# --8<-- [end:Dropout]


def check_batch(x, name="x", n_in=None):
    """Validate a batch for a network: a float array (N, n_in) or (N, ...) with n_in values per sample."""
    x = as_float_array(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must be a batch (N, n_in), got shape {x.shape}; for one sample use x[None, :]")
    if n_in is not None and int(np.prod(x.shape[1:])) != n_in:
        raise ValueError(f"{name} has {int(np.prod(x.shape[1:]))} values per sample (shape {x.shape}), "
                         f"the network takes {n_in}")
    return x
