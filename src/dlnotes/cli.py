"""The ``dlnotes`` command: classify a digit image with the pretrained weights, or train.

    dlnotes classify digit.png [more.png ...]     print the probabilities of 0-9 for each image
    dlnotes classify --model cnn digit.png        the same with the shipped CNN
    dlnotes train --out weights.npz [...]         same as python -m dlnotes.train
"""

import argparse
import sys


def classify(paths, weights=None, out=None, model="mlp"):
    """Print each image's most likely digit and all ten probabilities; return 0, or 1 on a bad file.

    ``model`` names a shipped model ("mlp" or "cnn"); ``weights``, a file, replaces it.
    """
    from dlnotes.digit_image import load_digit
    from dlnotes.pretrained import load_pretrained

    out = out or sys.stdout
    net = load_pretrained(weights or model)
    status = 0
    for path in paths:
        try:
            probabilities = net.predict(load_digit(path))
        except (OSError, ValueError) as err:
            print(f"dlnotes classify: {err}", file=sys.stderr)
            status = 1
            continue
        digit = int(probabilities.argmax())
        print(f"{path}: {digit} ({probabilities[digit]:.1%})", file=out)
        print("  " + "  ".join(f"{d}: {p:.3f}" for d, p in enumerate(probabilities)), file=out)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dlnotes", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="classify digit images (PNG/JPEG, any size, either polarity)")
    c.add_argument("images", nargs="+")
    c.add_argument("--model", default="mlp", choices=["mlp", "cnn"],
                   help="which shipped model: the MLP (default) or the CNN")
    c.add_argument("--weights", help="an .npz from `dlnotes train` or `python -m "
                   "dlnotes.train_cnn` (instead of a shipped model)")
    sub.add_parser("train", help="train and save weights (see `dlnotes train --help`)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "train":
        from dlnotes.train import main as train_main

        return train_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return classify(args.images, args.weights, model=args.model)


if __name__ == "__main__":
    sys.exit(main())
