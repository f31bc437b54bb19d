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


# --8<-- [start:BatchNormalization]
class BatchNormalization:
    """Batch normalization (Ioffe and Szegedy, 2015): normalize each feature over
    the batch, then scale by ``gamma`` and shift by ``beta``, both learned.

    Training: x_hat = (x - mean) / sqrt(var + eps), with the batch's mean and
    variance per feature; y = gamma * x_hat + beta. Running averages of the mean and
    variance (weight ``momentum`` on the old value) replace the batch's at test time
    (``train_flg=False``). x is (N, D), or (N, C, H, W) flattened to (N, C*H*W) as
    in the book. The gradients of gamma and beta are kept in ``dgamma``, ``dbeta``.
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None,
                 running_var=None, eps=1e-6):
        self.gamma = as_float_array(gamma, "gamma")
        self.beta = as_float_array(beta, "beta")
        if self.gamma.ndim != 1 or self.beta.shape != self.gamma.shape:
            raise ValueError("gamma and beta must be vectors of one length (D,), got "
                             f"shapes {self.gamma.shape} and {self.beta.shape}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.momentum, self.eps = momentum, eps
        d, dtype = self.gamma.shape[0], self.gamma.dtype
        # The book starts the running variance at 0; 1 (as PyTorch does) gives sane
        # test outputs even after only a few training steps.
        self.running_mean = (np.zeros(d, dtype) if running_mean is None
                             else as_float_array(running_mean, "running_mean"))
        self.running_var = (np.ones(d, dtype) if running_var is None
                            else as_float_array(running_var, "running_var"))
        for name in ("running_mean", "running_var"):
            if getattr(self, name).shape != (d,):
                raise ValueError(f"{name} must have shape ({d},) like gamma, "
                                 f"got {getattr(self, name).shape}")
        self.input_shape = self.x_hat = self.std = None
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        if np.ndim(x) < 2:
            raise ValueError("BatchNormalization: x must be a batch (N, D), got shape "
                             f"{np.shape(x)}; for one sample use x[None, :]")
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)  # (N, C, H, W) -> (N, C*H*W), a view
        if x.shape[1] != self.gamma.shape[0]:
            raise ValueError(f"BatchNormalization: x has {x.shape[1]} features per "
                             f"sample but gamma has {self.gamma.shape[0]}")
        if train_flg:
            if x.shape[0] < 2:
                raise ValueError("BatchNormalization needs 2 or more samples in "
                                 "training: one sample has no variance")
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mean
            self.running_var = m * self.running_var + (1 - m) * var
        else:  # test time: the statistics of the training data
            mean, var = self.running_mean, self.running_var
        self.std = np.sqrt(var + self.eps)  # eps: a constant feature has var 0
        self.x_hat = (x - mean) / self.std
        out = self.gamma * self.x_hat + self.beta
        return out.reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(dout * self.x_hat, axis=0)
        dx_hat = dout * self.gamma
        # Every sample also moves the batch's mean and variance; with them, in one line:
        # dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / std
        dx = dx_hat - dx_hat.mean(axis=0)
        dx -= self.x_hat * np.mean(dx_hat * self.x_hat, axis=0)
        dx /= self.std  # in place: dx is this method's own new array
        return dx.reshape(self.input_shape)
# --8<-- [end:BatchNormalization]


def check_batch(x, name="x", n_in=None):
    """Validate a batch for a network: a float array (N, n_in) or (N, ...) with n_in values per sample."""
    x = as_float_array(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must be a batch (N, n_in), got shape {x.shape}; for one sample use x[None, :]")
    if n_in is not None and int(np.prod(x.shape[1:])) != n_in:
        raise ValueError(f"{name} has {int(np.prod(x.shape[1:]))} values per sample (shape {x.shape}), "
                         f"the network takes {n_in}")
    return x
