"""Optimizers: each updates a dict of parameters in place from a dict of gradients.

``update(params, grads)`` changes the arrays in ``params`` in place: that is the point of an
optimizer (the network holds references to the same arrays). ``grads`` is not modified.
The optimizers' own state (velocities, moving averages) is updated in place too, so a step
allocates no array that outlives it.
"""

import numpy as np


# --8<-- [start:SGD]
class SGD:
    """Stochastic gradient descent: W <- W - lr * dW."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]
# --8<-- [end:SGD]


# --8<-- [start:Momentum]
class Momentum:
    """Momentum: v <- momentum * v - lr * dW; W <- W + v (a ball rolling downhill)."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            v = self.v[key]  # changed in place, like params: no new array per step
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += v
# --8<-- [end:Momentum]


# --8<-- [start:AdaGrad]
class AdaGrad:
    """AdaGrad: h <- h + dW**2; W <- W - lr * dW / sqrt(h): a step size per weight."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] += grads[key] * grads[key]
            # 1e-7: no 0/0 for a weight whose gradients were all 0
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)
# --8<-- [end:AdaGrad]


# --8<-- [start:RMSprop]
class RMSprop:
    """RMSprop: like AdaGrad, but h is a moving average: old gradients are forgotten."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate = lr, decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            h = self.h[key]  # in place, as in Momentum
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(h) + 1e-7)
# --8<-- [end:RMSprop]


# --8<-- [start:Adam]
class Adam:
    """Adam (Kingma & Ba, 2015): momentum and RMSprop together, with bias correction."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(val) for key, val in params.items()}
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        self.iter += 1
        for key in params:
            m, v = self.m[key], self.v[key]  # moving averages, updated in place
            m *= self.beta1
            m += (1 - self.beta1) * grads[key]
            v *= self.beta2
            v += (1 - self.beta2) * grads[key] ** 2
            m_hat = m / (1 - self.beta1**self.iter)  # bias correction: m, v start at 0
            v_hat = v / (1 - self.beta2**self.iter)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
# --8<-- [end:Adam]


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(name, **kwargs):
    """An optimizer by name ('sgd', 'momentum', 'adagrad', 'rmsprop', 'adam')."""
    try:
        return OPTIMIZERS[name.lower()](**kwargs)
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}") from None
