"""The repository stands on its own: no test, page, tool or benchmark reads a path outside it.

Two checks. A static one: no file under tests/, docs/, src/, tools/ or bench/ names the shared
data folder beside the repository (only the maintainers' machine has one) or climbs out of the
repository. And the proof: a copy of the working tree in a temporary folder, with nothing beside
it, runs the tests that use MNIST data or file paths with ``CI=true``, no ``DLNOTES_DATA_DIR``
and an empty cache, given only ``DLNOTES_MNIST_MIRRORS`` pointing at an HTTP server on 127.0.0.1
that serves the two ``t10k-*`` files and nothing else: every one of those tests must pass, none
may skip. When this test is part of a run, the run leaves those tests to the copy
(tests/conftest.py): they run once, there.
"""

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import IN_THE_NO_SHARED_COPY, NO_SHARED_COPY, ROOT
from dlnotes.mnist import DownloadError, load_mnist_test

SCANNED = ("tests", "docs", "src", "tools", "bench")
SKIPPED_DIRS = {"node_modules", "__pycache__", ".ipynb_checkpoints", ".hypothesis", ".pytest_cache"}
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".yml", ".yaml", ".toml", ".json", ".js", ".css", ".html", ".sh",
                 ".txt", ".cfg", ".ini", ".svg"}
# Written so that this file does not match itself.
OUTSIDE = [
    (re.compile(r"\.\.[/\\]+shared\b"), "the shared folder beside the repository (only the maintainers' machine has it)"),
    (re.compile(r"/work/(shared|main)\b"), "an absolute path on the maintainers' machine"),
    (re.compile(r"""["']shared["']\s*/\s*["']data["']"""), "a path built to the shared data folder"),
    (re.compile(r"\bROOT\.parents?\b"), "a path above the repository root"),
    (re.compile(r"""\bROOT\s*/\s*["']\.\.["']"""), "a path above the repository root"),
]
FILE_PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?(?:\.parents\[(\d+)\]|((?:\.parent)+)(?!s))")

# The tests that use MNIST data or file paths run in the copy (with this file's static check); when
# this test runs, the suite does not run them a second time (tests/conftest.py).
IN_THE_COPY = [*IN_THE_NO_SHARED_COPY, "tests/test_noshared.py"]
T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
THIS_TEST = NO_SHARED_COPY


def repository_files(root):
    """The repository's files, relative to ``root``: tracked and new ones (what .gitignore keeps
    out, e.g. node_modules, is left out), or every file when ``root`` is a copy without .git."""
    if (root / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
        return sorted(Path(p) for p in listed if p and (root / p).is_file())
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(root).parts))


def outside_references(relative, text):
    """Lines of a file (path relative to the repository root) that point outside the repository."""
    found = []
    depth = len(relative.parts)  # Path(__file__).parents[depth - 1] is the repository root
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, why in OUTSIDE:
            if pattern.search(line):
                found.append(f"{relative}:{number}: {why}: {line.strip()[:120]}")
        for match in FILE_PARENTS.finditer(line):
            up = int(match[1]) + 1 if match[1] is not None else match[2].count(".parent")
            if up > depth:
                found.append(f"{relative}:{number}: climbs {up} folders up from a file {depth - 1} "
                             f"below the root: {line.strip()[:120]}")
    return found


def test_the_static_check_catches_paths_outside_the_repository():
    up, shared = "..", "shared"  # pieced together, so that this file passes its own check
    bad = [
        f'DATA = Path("{up}") / "{shared}" / "data"',
        f"cp {up}/{shared}/data/mnist/*.gz .",
        f"SHARED = ROOT.{'parent'} / '{shared}'",
        f'default=Path(__file__).resolve().{"parents"}[2] / "x"',
        "here = Path(__file__)" + ".parent" * 3,
        f"open('/work/{shared}/data/README.md')",
    ]
    for line in bad:
        assert outside_references(Path("bench/x.py"), line), line
    fine = ['ROOT = Path(__file__).resolve().parents[1]', "Path(__file__).parent.parent / 'docs'",
            'the arrays are shared but not modified', 'export DLNOTES_DATA_DIR=/srv/class/mnist']
    for line in fine:
        assert not outside_references(Path("tests/x.py"), line), line


def test_no_file_refers_to_a_path_outside_the_repository():
    files = [p for p in repository_files(ROOT)
             if p.parts[0] in SCANNED and (p.suffix in TEXT_SUFFIXES or p.suffix == "")]
    assert len(files) > 50  # the scan really looked at the repository
    found = []
    for relative in files:
        try:
            text = (ROOT / relative).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file without a telling suffix
        found += outside_references(relative, text)
    assert not found, "paths outside the repository (hand data in with DLNOTES_DATA_DIR):\n" + "\n".join(found)


# ---- the proof: a copy with nothing beside it --------------------------------------------------

class T10kOnly(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that serves the two t10k files and answers 404 to the rest."""

    def __init__(self, files):
        self.files, self.requests = files, []
        super().__init__(("127.0.0.1", 0), T10kHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class T10kHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def t10k_files():
    """The two t10k files as dlnotes finds them here ($DLNOTES_DATA_DIR, as .ci/run hands them
    in, or the verified cache, as the GitHub workflow restores it)."""
    try:
        info = load_mnist_test(verbose=False, return_info=True)[2]
    except DownloadError as err:
        reason = ("no source of the official MNIST t10k files to serve: set DLNOTES_DATA_DIR to a "
                  f"folder with {' and '.join(T10K)} (as .ci/run does), or "
                  "download them once with `python -m dlnotes.mnist --split test`")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}\n{err}")
        pytest.skip(reason)
    directory = Path(info.location)
    return {name: (directory / name).read_bytes() for name in T10K}


def copy_working_tree(destination):
    """The repository as it is now (committed or not), without .git and what .gitignore leaves out."""
    for relative in repository_files(ROOT):
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, destination / relative)


def test_suite_passes_in_a_copy_with_no_shared_folder_and_only_a_t10k_mirror(tmp_path):
    files = t10k_files()
    copy = tmp_path / "dlnotes"
    copy_working_tree(copy)
    assert list(tmp_path.iterdir()) == [copy] and not (copy / ".git").exists()  # nothing beside it
    server = T10kOnly(files)
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DLNOTES_", "PYTEST_", "HYPOTHESIS_"))}
        env.update(CI="true", DLNOTES_CACHE_DIR=str(tmp_path / "cache"),
                   DLNOTES_MNIST_MIRRORS=f"http://127.0.0.1:{server.server_address[1]}/",
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
                   PYTHONPATH=os.pathsep.join([str(copy / "src"), *filter(None, [env.get("PYTHONPATH")])]))
        where = subprocess.run([sys.executable, "-c", "import dlnotes; print(dlnotes.__file__)"],
                               cwd=copy, env=env, capture_output=True, text=True, check=True).stdout
        assert Path(where.strip()).is_relative_to(copy)  # the copy's package, not the repository's
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *IN_THE_COPY, "--deselect", THIS_TEST],
            cwd=copy, env=env, capture_output=True, text=True, timeout=900,
        )
        seconds = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    log = result.stdout + result.stderr
    summary = log.strip().splitlines()[-1] if log.strip() else ""
    print(f"in the copy ({seconds:.0f} s): {summary}")
    assert result.returncode == 0, log[-6000:]
    assert re.fullmatch(r"\d+ passed, 1 deselected in .*", summary), log[-3000:]  # nothing skipped
    assert sorted(set(server.requests)) == sorted(f"/{name}" for name in T10K)  # downloaded, and only these
