"""Train a convolutional network (dlnotes.conv.ConvNet) on MNIST and save it as .npz.

    python -m dlnotes.train_cnn --out weights.npz [--seed 0] [--epochs 40] ...

The shipped CNN (dlnotes/data/mnist_cnn.npz) was made by this command; the file's
``config`` records it with every setting and the seed. Training uses the source's training
split only (with the offline sample: its 4,000 training images). ``--eval-dir`` points at a
folder with the official test set (the two t10k files): measured at the end, never trained
on. The learning rate falls along a cosine from ``--lr`` to 0 over the epochs.
"""

import argparse
import math
import sys
import time

import numpy as np

from dlnotes.conv import ConvNet
from dlnotes.mnist import load_mnist, load_split
from dlnotes.optimizers import make_optimizer
from dlnotes.pretrained import save_weights
from dlnotes.progress import ProgressBar
from dlnotes.trainer import random_shift

# The shipped CNN: 16 filters 5x5, pool, 32 filters 3x3, pool, 128 hidden units, dropout
ARCHITECTURE = "conv16x5,relu,pool2,conv32,relu,pool2,affine128,relu,dropout0.5,affine10"


def random_warp(x, rng, max_shift=2, max_angle=10, max_scale=0.1):
    """Data augmentation: rotate, scale and shift each 28x28 image a little (bilinear).

    A digit turned by a few degrees or drawn a bit bigger is still the same digit. Angles
    are in degrees, shifts in pixels, scale factors in [1 - max_scale, 1 + max_scale].
    Returns a new array of x's shape and dtype; x is (N, 784) or (N, 1, 28, 28).
    """
    images = x.reshape(-1, 28, 28)
    n = len(images)
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle, n))[:, None, None]
    scale = rng.uniform(1 - max_scale, 1 + max_scale, n)[:, None, None]
    shift = rng.uniform(-max_shift, max_shift, (2, n))[:, :, None, None]
    # For each output pixel, the point of the input it comes from (the inverse map),
    # in coordinates centred on the middle of the image
    r, c = np.mgrid[0:28, 0:28] - 13.5
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    src_r = cos * r - sin * c + 13.5 - shift[0]
    src_c = sin * r + cos * c + 13.5 - shift[1]
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    out = np.zeros(images.shape)
    n_idx = np.arange(n)[:, None, None]
    for dr in (0, 1):  # bilinear: the four neighbours, weighted by closeness
        for dc in (0, 1):
            rr, cc = r0 + dr, c0 + dc
            weight = (1 - np.abs(src_r - rr)) * (1 - np.abs(src_c - cc))
            inside = (rr >= 0) & (rr < 28) & (cc >= 0) & (cc < 28)  # zero outside
            out += weight * inside * images[n_idx, rr.clip(0, 27), cc.clip(0, 27)]
    return out.astype(x.dtype).reshape(x.shape)


def parse_architecture(text):
    """'conv16,relu,pool2,affine10' -> [["conv", 16, 3], ["relu"], ["pool", 2], ...].

    convN: N 3x3 filters (convNxK: KxK); poolK; affineN; relu; dropoutR.
    """
    layers = []
    for token in text.split(","):
        kind = token.rstrip("0123456789.x")
        number = token[len(kind):]
        try:
            if kind == "conv":
                fn, _, fs = number.partition("x")
                layers.append(["conv", int(fn), int(fs or 3)])
            elif kind in ("pool", "affine"):
                layers.append([kind, int(number)])
            elif kind == "dropout":
                layers.append([kind, float(number)])
            elif kind == "relu" and not number:
                layers.append([kind])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"bad layer {token!r} in --arch: use convN, convNxK, poolK, "
                             "affineN, relu or dropoutR") from None
    return layers


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m dlnotes.train_cnn",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="where to write the weights (.npz)")
    p.add_argument("--source", default="sample", choices=["auto", "local", "download", "sample"],
                   help="where the MNIST images come from (see dlnotes.mnist)")
    p.add_argument("--data-dir", help="directory with the four IDX files (source 'local')")
    p.add_argument("--arch", default=ARCHITECTURE, help="layers, comma-separated")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--lr", type=float, default=1e-3, help="first learning rate (cosine to 0)")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--shift", type=int, default=2,
                   help="data augmentation: random shifts up to N pixels (0: off)")
    p.add_argument("--rotate", type=float, default=10.0,
                   help="random rotations up to this many degrees (0 and --scale 0: "
                   "shifts only)")
    p.add_argument("--scale", type=float, default=0.1,
                   help="random scaling by up to this fraction (0.1: 0.9x to 1.1x)")
    p.add_argument("--eval-dir", help="report accuracy on the official test set in this folder")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    architecture = parse_architecture(args.arch)
    (x_fit, t_fit), (x_val, t_val), info = load_mnist(
        flatten=False, source=args.source, data_dir=args.data_dir, return_info=True)
    net = ConvNet(architecture, weight_decay_lambda=args.weight_decay, dtype=np.float32,
                  rng=args.seed)
    optimizer = make_optimizer(args.optimizer, lr=args.lr)
    rng = np.random.default_rng(args.seed)
    iters = len(x_fit) // args.batch_size
    bar = ProgressBar(total=args.epochs * iters, desc="training", unit="iterations")
    start = time.perf_counter()
    for epoch in range(args.epochs):
        # cosine schedule: big steps first, small ones to settle at the end
        optimizer.lr = args.lr * 0.5 * (1 + math.cos(math.pi * epoch / args.epochs))
        order = rng.permutation(len(x_fit))
        for i in range(iters):
            batch = order[i * args.batch_size:(i + 1) * args.batch_size]
            x = x_fit[batch]
            if args.rotate or args.scale:
                x = random_warp(x, rng, args.shift, args.rotate, args.scale)
            elif args.shift:
                x = random_shift(x, rng, args.shift)
            optimizer.update(net.params, net.gradient(x, t_fit[batch]))
            bar.update(1)
        if not bar.file.isatty():
            print(f"epoch {epoch + 1}/{args.epochs}: held-out accuracy "
                  f"{net.accuracy(x_val, t_val):.4f} ({time.perf_counter() - start:.0f} s)",
                  file=bar.file, flush=True)
    bar.close()
    seconds = time.perf_counter() - start
    command = " ".join(argv if argv is not None else sys.argv[1:])
    config = {
        "model": "cnn", "input_dim": [1, 28, 28], "architecture": architecture,
        "command": "python -m dlnotes.train_cnn " + command,
        "source": info.description, "training_images": len(x_fit), "epochs": args.epochs,
        "batch_size": args.batch_size, "optimizer": args.optimizer, "lr": args.lr,
        "lr_schedule": "cosine", "weight_decay": args.weight_decay, "shift": args.shift,
        "rotate": args.rotate, "scale": args.scale,
        "seed": args.seed, "training_seconds": round(seconds, 1),
        "held_out_accuracy": net.accuracy(x_val, t_val), "held_out_images": len(x_val),
    }
    if args.eval_dir:  # the official test set: measured once, at the end
        images, labels = load_split(args.eval_dir, "test")
        x_test = images.reshape(-1, 1, 28, 28).astype(np.float32) / 255
        config["official_test_accuracy"] = net.accuracy(x_test, labels)
        print(f"accuracy on the official test set ({len(labels):,} images): "
              f"{config['official_test_accuracy']:.4f}", file=sys.stderr)
    save_weights(args.out, net, config)
    print(f"trained in {seconds:.0f} s; weights written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
