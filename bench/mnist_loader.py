"""How long loading the 10,000 official MNIST test images takes, by path, measured side by side.

Serves the official test set (the two t10k files in --data DIR, default $DLNOTES_DATA_DIR) from
an HTTP server on 127.0.0.1 as a download mirror, then times, in one run:
  cold download   fetch + SHA-256 check + parse, into an empty cache
  cached          SHA-256 check of the cached files + parse (no request)
  local IDX       dlnotes.mnist.load_split from the directory (parse only)
and prints each time and its ratio to the local read.
Run: python bench/mnist_loader.py --data DIR (or DLNOTES_DATA_DIR=DIR python bench/mnist_loader.py)
"""

import argparse
import functools
import hashlib
import http.server
import os
import tempfile
import threading
import time
from pathlib import Path

from dlnotes import mnist

NAMES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("DLNOTES_DATA_DIR") or None,
                        help="folder with the two t10k-*-ubyte.gz files (default: $DLNOTES_DATA_DIR)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.data is None:
        parser.error("say where the official test set is: --data DIR or DLNOTES_DATA_DIR=DIR, a folder "
                     f"with {' and '.join(NAMES)} (`python -m dlnotes.mnist --split test` downloads them into the cache)")
    missing = [name for name in NAMES if not (args.data / name).is_file()]
    if missing:
        parser.error(f"{args.data} has no {' or '.join(missing)}")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.data)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mirror = f"http://127.0.0.1:{server.server_address[1]}/"
    files = {key: mnist.MnistFile(name, hashlib.sha256((args.data / name).read_bytes()).hexdigest())
             for key, name in zip(("test_images", "test_labels"), NAMES)}

    def cold():
        with tempfile.TemporaryDirectory() as cache:
            mnist.download_mnist(cache, mirrors=[mirror], files=files, progress=False, split="test")
            mnist.load_split(cache, "test")

    cache = Path(tempfile.mkdtemp())
    mnist.download_mnist(cache, mirrors=[mirror], files=files, progress=False, split="test")
    cached = functools.partial(lambda: (mnist.download_mnist(cache, mirrors=[mirror], files=files, progress=False, split="test"),
                                        mnist.load_split(cache, "test")))
    local = functools.partial(mnist.load_split, args.data, "test")

    results = {"local IDX (parse)": best_of(args.repeats, local),
               "cached (verify + parse)": best_of(args.repeats, cached),
               "cold download (fetch + verify + parse)": best_of(args.repeats, cold)}
    base = results["local IDX (parse)"]
    print(f"MNIST test set, 10,000 images, best of {args.repeats}:")
    for name, seconds in results.items():
        print(f"  {name:40s} {seconds * 1000:8.1f} ms   {seconds / base:5.2f}x local")
    server.shutdown()


if __name__ == "__main__":
    main()
