"""Turn a photo or drawing of one digit into an MNIST-like 28x28 image.

MNIST digits are light on a dark background, fitted into a 20x20 box and centred by their centre
of mass in a 28x28 frame (LeCun et al.). A PNG of any size, dark-on-light or light-on-dark, goes
through the same steps here, so the network sees what it was trained on.
"""

from pathlib import Path

import numpy as np


# --8<-- [start:prepare_digit]
def center_of_mass(image):
    """(row, column) of the brightness-weighted centre of a 2-D image."""
    total = image.sum()
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / total, (cols * image).sum() / total


def prepare_digit(image):
    """MNIST-style (784,) float32 vector in [0, 1] from a 2-D grayscale array of any size.

    Steps: scale to [0, 1]; invert if the background (the border) is light; crop to the ink;
    resize so the longer side is 20 px; place in 28x28 with the centre of mass at the centre.
    Raises ValueError for an image with no ink (a blank or one-colour image).
    """
    from PIL import Image

    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 2:
        raise ValueError(f"image must be a 2-D grayscale array, got shape {image.shape}")
    low, high = image.min(), image.max()
    if high - low < 1e-6:
        raise ValueError("the image is one flat colour: there is no digit to read")
    image = (image - low) / (high - low)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper: MNIST is the other way round
        image = 1.0 - image
    ink_rows, ink_cols = np.nonzero(image > 0.2)
    if ink_rows.size == 0:
        raise ValueError("no digit found: the image has no pixels darker/lighter than its background")
    image = image[ink_rows.min():ink_rows.max() + 1, ink_cols.min():ink_cols.max() + 1]
    scale = 20.0 / max(image.shape)
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))  # (width, height)
    small = np.asarray(Image.fromarray((image * 255).astype(np.uint8)).resize(size, Image.LANCZOS),
                       dtype=np.float64) / 255
    canvas = np.zeros((28, 28))
    cy, cx = center_of_mass(small)
    top = int(np.clip(round(14 - cy), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - cx), 0, 28 - small.shape[1]))
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    return np.clip(canvas, 0, 1).astype(np.float32).reshape(784)
# --8<-- [end:prepare_digit]


def load_digit(path):
    """Read an image file (PNG, JPEG, ...) of one digit and return prepare_digit of it."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such image file")
    try:
        with Image.open(path) as img:
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"{path}: not an image file that can be read ({err})") from None
    pixels = np.asarray(rgba, dtype=np.float64) / 255
    alpha = pixels[..., 3]
    if np.ptp(alpha) > 0.5:  # a drawing on a transparent canvas: the ink is what is opaque
        return prepare_digit(alpha)
    return prepare_digit(pixels[..., :3].mean(axis=-1))
