"""Fully connected networks trained by backpropagation: MultiLayerNet, and TwoLayerNet.

A network is a list of layers (Affine, activation, Affine, ..., Affine) and a SoftmaxWithLoss
on top. Parameters live in ``params`` under ``W1, b1, W2, b2, ...``; ``gradient(x, t)``
(backpropagation) and ``numerical_gradient(x, t)`` return gradients under the same keys, so
the two can be compared key by key: the gradient check.
"""

import numpy as np

from dlnotes.gradient import numerical_gradient
from dlnotes.layers import (Affine, BatchNormalization, Dropout, Relu, Sigmoid,
                            SoftmaxWithLoss, check_batch)
from dlnotes.losses import labels_like

# --8<-- [start:init_scale]
def init_scale(weight_init_std, n_in, activation):
    """Standard deviation of a layer's initial weights.

    'he' (or 'relu'): sqrt(2 / n_in), for ReLU; 'xavier' (or 'sigmoid'): sqrt(1 / n_in),
    for sigmoid and tanh; a number: that number. 'auto' picks by the activation.
    """
    if weight_init_std == "auto":
        weight_init_std = "he" if activation == "relu" else "xavier"
    if weight_init_std in ("he", "relu"):
        return np.sqrt(2.0 / n_in)
    if weight_init_std in ("xavier", "sigmoid"):
        return np.sqrt(1.0 / n_in)
    if isinstance(weight_init_std, (int, float)) and weight_init_std > 0:
        return float(weight_init_std)
    raise ValueError("weight_init_std must be 'he', 'xavier', 'auto' or a number > 0, "
                     f"got {weight_init_std!r}")
# --8<-- [end:init_scale]


# --8<-- [start:MultiLayerNet]
ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


class MultiLayerNet:
    """Affine -> activation -> ... -> Affine -> SoftmaxWithLoss.

    Parameters
    ----------
    input_size, hidden_size_list, output_size : int, list of int, int
        Layer widths, e.g. 784, [100, 100], 10.
    activation : {"relu", "sigmoid"}
    weight_init_std : "auto", "he", "xavier" or float
        See :func:`init_scale`.
    weight_decay_lambda : float
        L2 penalty 0.5 * lambda * sum(W**2) added to the loss (weight decay).
    dropout_ratio : float
        If > 0, a Dropout layer after each activation (active in training only).
    use_batchnorm : bool
        If True, Affine -> BatchNormalization -> activation in each hidden layer, with
        parameters gamma{i}, beta{i} (batch statistics in training, running ones at
        test time).
    dtype : numpy float dtype of the parameters.
    rng : numpy Generator or seed, for the initial weights and dropout.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="auto", weight_decay_lambda=0.0, dropout_ratio=0.0,
                 use_batchnorm=False, dtype=np.float64, rng=None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, "
                             f"got {activation!r}")
        rng = np.random.default_rng(rng)
        sizes = [input_size, *hidden_size_list, output_size]
        self.sizes, self.weight_decay_lambda = sizes, weight_decay_lambda
        self.dtype = np.dtype(dtype)
        self.params, self.layers = {}, []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            scale = init_scale(weight_init_std, n_in, activation)
            W = (scale * rng.standard_normal((n_in, n_out))).astype(dtype)
            b = np.zeros(n_out, dtype=dtype)
            self.params[f"W{i}"], self.params[f"b{i}"] = W, b
            # need_dx=False in the first layer: the gradient of the data is never used
            self.layers.append(Affine(W, b, need_dx=i > 1))
            if i < len(sizes) - 1:  # hidden layer: (batchnorm,) activation (, dropout)
                if use_batchnorm:
                    gamma, beta = np.ones(n_out, dtype), np.zeros(n_out, dtype)
                    self.params[f"gamma{i}"], self.params[f"beta{i}"] = gamma, beta
                    self.layers.append(BatchNormalization(gamma, beta))
                self.layers.append(ACTIVATIONS[activation]())
                if dropout_ratio > 0:
                    self.layers.append(Dropout(dropout_ratio, rng))
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train_flg=False):
        """Scores (logits) (N, output_size) for a batch x (N, input_size).

        Scores, not probabilities: softmax(scores) gives those.
        """
        x = check_batch(x, "x", self.sizes[0])
        x = x.astype(self.dtype, copy=False)  # the net computes in its own dtype
        for layer in self.layers:
            if isinstance(layer, (Dropout, BatchNormalization)):  # train != test
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of softmax(predict(x)) against t, plus the weight decay."""
        loss = self.last_layer.forward(self.predict(x, train_flg), t)
        if self.weight_decay_lambda:  # no pass over every weight when there is no decay
            decay = sum(np.sum(W**2) for key, W in self.params.items()
                        if key.startswith("W"))
            loss = loss + 0.5 * self.weight_decay_lambda * decay
        return loss

    def accuracy(self, x, t):
        """Fraction of samples whose highest score is the label (t one-hot or index)."""
        y = np.argmax(self.predict(x), axis=1)
        t = np.asarray(t)
        t = np.argmax(t, axis=1) if t.ndim != 1 else t
        return float(np.mean(y == t))

    def numerical_gradient(self, x, t):
        """Gradients by central differences: slow, independent of backward().

        With batch normalization, of the loss in training mode (batch statistics, as
        in gradient); the running statistics are put back afterwards.
        """
        norms = [lay for lay in self.layers if isinstance(lay, BatchNormalization)]
        saved = [(layer.running_mean, layer.running_var) for layer in norms]
        train_flg = bool(norms)
        # The loss runs twice per parameter: check x and turn t one-hot once, not every time.
        x = check_batch(x, "x", self.sizes[0]).astype(self.dtype, copy=False)
        t = labels_like(self.predict(x), t)
        grads = {key: numerical_gradient(lambda _: self.loss(x, t, train_flg), param)
                 for key, param in self.params.items()}
        for layer, (mean, var) in zip(norms, saved):  # forward replaces, not modifies
            layer.running_mean, layer.running_var = mean, var
        return grads

    def gradient(self, x, t):
        """Gradients by backpropagation, under the keys of ``params``."""
        # forward, keeping what backward needs (the penalty's value is not needed)
        self.last_layer.forward(self.predict(x, train_flg=True), t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)  # None after the first layer (need_dx=False)
        grads = {}
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for i, layer in enumerate(affines, start=1):
            grads[f"W{i}"] = layer.dW
            if self.weight_decay_lambda:  # the gradient of 0.5 * lambda * sum(W**2)
                grads[f"W{i}"] = layer.dW + self.weight_decay_lambda * layer.W
            grads[f"b{i}"] = layer.db
        norms = [lay for lay in self.layers if isinstance(lay, BatchNormalization)]
        for i, layer in enumerate(norms, start=1):  # one per hidden layer, in order
            grads[f"gamma{i}"], grads[f"beta{i}"] = layer.dgamma, layer.dbeta
        return grads
# --8<-- [end:MultiLayerNet]


# --8<-- [start:TwoLayerNet]
class TwoLayerNet(MultiLayerNet):
    """The book's two-layer net: Affine -> ReLU -> Affine -> SoftmaxWithLoss.

    Its params are W1, b1, W2, b2.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 rng=None, **kwargs):
        super().__init__(input_size, [hidden_size], output_size,
                         weight_init_std=weight_init_std, rng=rng, **kwargs)
# --8<-- [end:TwoLayerNet]
