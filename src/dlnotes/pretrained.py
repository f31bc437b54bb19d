"""Pretrained MNIST weights shipped in the package: an MLP and a CNN.

``load_pretrained("mlp")`` (the default) is the 784-400-200-10 network made by
``python -m dlnotes.train``; ``load_pretrained("cnn")`` the convolutional network made by
``python -m dlnotes.train_cnn``. Each is an .npz file (arrays only, read with
``allow_pickle=False``) that also records how it was made: the command, the seed, the
settings and the measured test accuracy.
"""

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from dlnotes.activations import softmax
from dlnotes.checks import as_float_array
from dlnotes.conv import ConvNet
from dlnotes.nets import MultiLayerNet

WEIGHTS = "mnist_mlp.npz"  # the default model's file
MODELS = {"mlp": WEIGHTS, "cnn": "mnist_cnn.npz"}  # shipped in dlnotes/data


def save_weights(path, net, config):
    """Save a net's params and its recipe ``config`` (a JSON-able dict) as .npz.

    Written to a temporary name and renamed, so a crash never leaves half a file.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as f:
        np.savez(f, config=np.array(json.dumps(config, sort_keys=True)), **net.params)
    partial.replace(path)


def load_weights(path):
    """Return (net, config) from a file written by :func:`save_weights`.

    A config with an ``architecture`` (from ``dlnotes.train_cnn``) gives a ConvNet, any
    other a MultiLayerNet.
    """
    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        if "architecture" in config:  # dropout is in the list of layers
            net = ConvNet(config["architecture"], config["input_dim"], dtype=np.float32)
        else:
            # The recipe's dropout too: at test time it scales activations by 1 - ratio,
            # as in training.
            net = MultiLayerNet(config["input_size"], config["hidden"], config["output_size"],
                                activation=config["activation"],
                                dropout_ratio=config.get("dropout", 0.0), dtype=np.float32)
        if set(data.files) != {"config", *net.params}:
            raise ValueError(f"{path}: arrays {sorted(data.files)} do not match the recipe's "
                             f"{sorted(['config', *net.params])}")
        for key, value in net.params.items():
            if data[key].shape != value.shape:
                raise ValueError(f"{path}: {key} has shape {data[key].shape}, the recipe says {value.shape}")
            value[...] = data[key]  # in place: the layers hold these very arrays
    return net, config


@dataclass
class PretrainedModel:
    """A trained network with ``predict(x)`` -> class probabilities."""

    net: MultiLayerNet | ConvNet
    config: dict

    def predict(self, x):
        """Class probabilities (N, 10) for images in [0, 1]: rows (N, 784) or (N, 1, 28, 28).

        One image, (784,), (28, 28) or (1, 28, 28), gives (10,).
        """
        x = as_float_array(x, "x")
        single = x.shape in ((784,), (28, 28), (1, 28, 28))
        if not single and x.shape[1:] not in ((784,), (1, 28, 28)):
            raise ValueError(f"x must be images as rows (N, 784) or (N, 1, 28, 28), or one "
                             f"image (784,), (28, 28) or (1, 28, 28); got shape {x.shape}: "
                             "for a batch of 28x28 images use x.reshape(len(x), 784)")
        if x.min() < 0 or x.max() > 1:
            raise ValueError(f"x must be scaled to [0, 1], got values in [{x.min():g}, {x.max():g}]; "
                             "for 0-255 pixels use x / 255")
        x = x.astype(np.float32).reshape(-1, 784)  # one row per image
        if isinstance(self.net, ConvNet):
            x = x.reshape(-1, 1, 28, 28)  # a CNN sees images
        y = softmax(self.net.predict(x))
        return y[0] if single else y


def load_pretrained(model="mlp"):
    """Load a shipped model, "mlp" (the default) or "cnn", or a file from save_weights.

    Returns a PretrainedModel: ``predict(x)`` gives probabilities, ``net`` is the network,
    ``config`` the recipe, with its accuracy on the official test set.
    """
    if model is None:  # the default, as before there were two models
        model = "mlp"
    if isinstance(model, str) and model in MODELS:
        with resources.as_file(resources.files("dlnotes") / "data" / MODELS[model]) as path:
            return PretrainedModel(*load_weights(path))
    if not Path(model).is_file():
        raise ValueError(f"model must be one of {', '.join(map(repr, MODELS))} or the path "
                         f"of an .npz file, got {model!r} (no such file)")
    return PretrainedModel(*load_weights(model))
