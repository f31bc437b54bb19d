"""Train a network on MNIST training images and save its weights as .npz.

    python -m dlnotes.train --out weights.npz [--seed 0] [--epochs 60] [--hidden 256] ...

The shipped pretrained weights (dlnotes/data/mnist_mlp.npz) were made by this command (it is
recorded in the file's ``config``, with every setting and the seed). Training uses the source's
training split only; ``--eval-dir`` points at a directory with the official test set (the
10,000 t10k images), which is then watched every epoch and measured at the end, never trained on.
"""

import argparse
import sys
import time

import numpy as np

from dlnotes.mnist import load_mnist, load_split
from dlnotes.nets import MultiLayerNet
from dlnotes.pretrained import save_weights
from dlnotes.trainer import Trainer, random_shift


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m dlnotes.train", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="where to write the weights (.npz)")
    p.add_argument("--source", default="auto", choices=["auto", "local", "download", "sample"],
                   help="where the MNIST images come from (see dlnotes.mnist)")
    p.add_argument("--data-dir", help="directory with the four IDX files (source 'local')")
    p.add_argument("--hidden", default="400,200", help="hidden layer sizes, comma-separated (default 400,200)")
    p.add_argument("--activation", default="relu", choices=["relu", "sigmoid"])
    p.add_argument("--epochs", type=int, default=80)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--shift", type=int, default=2, help="data augmentation: random shifts up to N pixels (0: off)")
    p.add_argument("--eval-dir", help="also report accuracy on the official test set in this directory")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    hidden = [int(h) for h in args.hidden.split(",") if h]
    (x_train, t_train), (x_test, t_test), info = load_mnist(source=args.source, data_dir=args.data_dir,
                                                             return_info=True)
    # Train on the source's training split only. (With the offline sample, its 1,000 "test"
    # images are official training images too, but kept out so that lessons can measure the
    # weights on images they have never seen, on any machine.)
    x_fit, t_fit = x_train, t_train
    if args.eval_dir:  # the official test set: watched every epoch, never trained on
        images, labels = load_split(args.eval_dir, "test")
        x_test, t_test = images.reshape(-1, 784).astype(np.float32) / 255, labels
    net = MultiLayerNet(784, hidden, 10, activation=args.activation, weight_decay_lambda=args.weight_decay,
                        dropout_ratio=args.dropout, dtype=np.float32, rng=args.seed)
    augment = (lambda x, rng: random_shift(x, rng, args.shift)) if args.shift else None
    trainer = Trainer(net, x_fit, t_fit, x_test, t_test, epochs=args.epochs, batch_size=args.batch_size,
                      optimizer=args.optimizer, optimizer_param={"lr": args.lr}, augment=augment,
                      rng=args.seed, eval_sample=None if args.eval_dir else 1000)
    start = time.perf_counter()
    history = trainer.train()
    seconds = time.perf_counter() - start
    config = {
        "input_size": 784, "hidden": hidden, "output_size": 10, "activation": args.activation,
        "command": "python -m dlnotes.train " + " ".join(argv if argv is not None else sys.argv[1:]),
        "source": info.description, "training_images": len(x_fit), "epochs": args.epochs,
        "batch_size": args.batch_size, "optimizer": args.optimizer, "lr": args.lr,
        "weight_decay": args.weight_decay, "dropout": args.dropout, "shift": args.shift, "seed": args.seed,
        "training_seconds": round(seconds, 1), "final_train_acc": history["train_acc"][-1],
    }
    if args.eval_dir:
        config["official_test_accuracy"] = net.accuracy(x_test, t_test)
        print(f"accuracy on the official test set ({len(t_test):,} images): "
              f"{config['official_test_accuracy']:.4f}", file=sys.stderr)
    save_weights(args.out, net, config)
    print(f"trained in {seconds:.0f} s; weights written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
