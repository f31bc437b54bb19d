"""Forward propagation through the 3-layer network of "Deep Learning from Scratch", chapter 3.

A network is a dict of weight matrices and bias vectors ``W1, b1, W2, b2, W3, b3``. Each layer
computes ``a = x @ W + b`` and an activation: sigmoid for the two hidden layers; the output layer
is the identity in :func:`forward` (raw scores) and softmax in :func:`predict` (probabilities).
"""

import numpy as np

from dlnotes.activations import identity_function, sigmoid, softmax
from dlnotes.checks import as_float_array

# --8<-- [start:init_network]
def init_network():
    """The book's worked example: 2 inputs -> 3 -> 2 -> 2 outputs, with small fixed weights."""
    return {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }
# --8<-- [end:init_network]


# --8<-- [start:affine]
def affine(x, W, b, layer):
    """One layer's weighted sum x @ W + b, with an error naming the layer on a shape mismatch.

    Shapes: x (n_in,) or (N, n_in); W (n_in, n_out); b (n_out,). Returns (n_out,) or (N, n_out).
    """
    inputs = "x" if layer == 1 else f"z{layer - 1}"  # what the layer reads, for messages
    x = as_float_array(x, inputs, allow_inf=False)
    W, b = as_float_array(W, f"W{layer}", allow_inf=False), as_float_array(b, f"b{layer}", allow_inf=False)
    if x.ndim not in (1, 2):
        raise ValueError(f"layer {layer}: {inputs} must be (n_in,) or (N, n_in), got shape {x.shape}")
    if W.ndim != 2 or b.shape != W.shape[1:]:
        raise ValueError(f"layer {layer}: W{layer} must be (n_in, n_out) and b{layer} (n_out,), "
                         f"got W{layer} {W.shape} and b{layer} {b.shape}")
    if x.shape[-1] != W.shape[0]:
        raise ValueError(
            f"layer {layer}: cannot multiply {inputs} of shape {x.shape} by W{layer} of shape "
            f"{W.shape}: {inputs} has {x.shape[-1]} values per sample but W{layer} has "
            f"{W.shape[0]} rows (they must be equal)"
        )
    return x @ W + b
# --8<-- [end:affine]


# --8<-- [start:check_network]
def check_network(network):
    """Raise KeyError naming the missing entries if network lacks any of W1, b1, ..., b3."""
    missing = [f"{p}{i}" for i in (1, 2, 3) for p in "Wb" if f"{p}{i}" not in network]
    if missing:
        raise KeyError(f"network is missing {', '.join(missing)}: it needs W1, b1, W2, b2, W3, b3")
# --8<-- [end:check_network]


# --8<-- [start:forward]
def forward(network, x):
    """Forward propagation: the output layer's raw scores a3 (identity output).

    Shapes: x (2,) or (N, 2) for :func:`init_network`'s network; in general x (n_in,) or
    (N, n_in) and the result (n_out,) or (N, n_out).
    """
    check_network(network)
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = affine(x, W1, b1, layer=1)
    z1 = sigmoid(a1)
    a2 = affine(z1, W2, b2, layer=2)
    z2 = sigmoid(a2)
    a3 = affine(z2, W3, b3, layer=3)
    return identity_function(a3)
# --8<-- [end:forward]


# --8<-- [start:predict]
def predict(network, x):
    """Class probabilities softmax(forward(network, x)); each row sums to 1."""
    return softmax(forward(network, x))
# --8<-- [end:predict]
