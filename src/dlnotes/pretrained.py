"""Pretrained MNIST weights, trained by ``python -m dlnotes.train`` and shipped in the package.

The weights are an .npz file (arrays only, read with ``allow_pickle=False``) that also records
how they were made: the command, the seed, the settings and the measured test accuracy.
"""

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from dlnotes.activations import softmax
from dlnotes.checks import as_float_array
from dlnotes.nets import MultiLayerNet

WEIGHTS = "mnist_mlp.npz"


def save_weights(path, net, config):
    """Save a MultiLayerNet's params and its recipe ``config`` (a JSON-able dict) as .npz.

    Written to a temporary name and renamed, so a crash never leaves half a file.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as f:
        np.savez(f, config=np.array(json.dumps(config, sort_keys=True)), **net.params)
    partial.replace(path)


def load_weights(path):
    """Return (net, config) from a file written by :func:`save_weights`."""
    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        # The recipe's dropout too: at test time it scales activations by 1 - ratio, as in training.
        net = MultiLayerNet(config["input_size"], config["hidden"], config["output_size"],
                            activation=config["activation"], dropout_ratio=config.get("dropout", 0.0),
                            dtype=np.float32)
        for key, value in net.params.items():
            if data[key].shape != value.shape:
                raise ValueError(f"{path}: {key} has shape {data[key].shape}, the recipe says {value.shape}")
            value[...] = data[key]  # in place: the layers hold these very arrays
    return net, config


@dataclass
class PretrainedModel:
    """A trained network with ``predict(x)`` -> class probabilities."""

    net: MultiLayerNet
    config: dict

    def predict(self, x):
        """Class probabilities (N, 10) for images x (N, 784) scaled to [0, 1]; (784,) gives (10,)."""
        x = as_float_array(x, "x")
        single = x.ndim == 1
        x = x[None, :] if single else x
        if x.ndim != 2 or x.shape[1] != 784:
            raise ValueError(f"x must be images as rows (N, 784), got shape {x.shape}; "
                             "flatten 28x28 images with x.reshape(len(x), 784)")
        if x.min() < 0 or x.max() > 1:
            raise ValueError(f"x must be scaled to [0, 1], got values in [{x.min():g}, {x.max():g}]; "
                             "for 0-255 pixels use x / 255")
        y = softmax(self.net.predict(x.astype(np.float32)))
        return y[0] if single else y


def load_pretrained(path=None):
    """Load the shipped pretrained weights (or another file from save_weights) as a PretrainedModel."""
    if path is None:
        with resources.as_file(resources.files("dlnotes") / "data" / WEIGHTS) as shipped:
            return PretrainedModel(*load_weights(shipped))
    return PretrainedModel(*load_weights(path))
