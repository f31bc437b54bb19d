"""Shared test set-up: Hypothesis profiles, the built site, a headless browser."""

import os

from hypothesis import HealthCheck, settings

# "ci" digs deeper than a local run; "dev" is quick for editing loops (HYPOTHESIS_PROFILE=dev).
# 100 examples per property in CI (Hypothesis' own default): at 300, the ~250 properties were
# half of the suite's time on 2 cores, over its 8-minute budget. HYPOTHESIS_PROFILE=deep runs 1,000.
settings.register_profile("default", max_examples=50, deadline=None)
settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


# ---- the built site -----------------------------------------------------------------------------

import contextlib  # noqa: E402
import functools  # noqa: E402
import fcntl  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def load_hook(name):
    """Import a MkDocs hook module from tools/hooks/ (tests use the build's own code paths)."""
    spec = importlib.util.spec_from_file_location(f"hooks_{name}", ROOT / "tools" / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOLUTION_TEMPLATE = re.compile(r'<template class="dl-solution">(.*?)</template>', re.S)


def page_soup(page_html, *, shared=False):
    """A built page parsed as a reader sees it with every worked solution open.

    tools/hooks/solutions.py keeps a solution's body in a <template> until the reader opens it;
    BeautifulSoup would not look inside one, so the body is put in its place first.

    ``shared=True`` parses the same HTML once per process: the test files that read every built
    page (test_site, test_pages, test_parity, ...) often run on the same worker, and a parse of
    the whole site is 3.5 CPU-s. A shared soup must not be changed; without it, the caller gets
    a parse of its own.
    """
    return _shared_soup(page_html) if shared else _parse(page_html)


def _parse(page_html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(SOLUTION_TEMPLATE.sub(r"\1", page_html), "html.parser")


_shared_soup = functools.lru_cache(maxsize=None)(_parse)


def built_soup(path):
    """:func:`page_soup` of a built HTML file, shared: for tests that only read the page."""
    return page_soup(path.read_text(encoding="utf-8"), shared=True)


def shared_tmp(tmp_path_factory):
    """A folder that every worker of this test run sees.

    With pytest-xdist (scripts/test.sh runs one worker per core), each worker has its own
    basetemp inside one folder of the run; without it, the basetemp itself.
    """
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _site_root(tmp_path_factory):
    root = shared_tmp(tmp_path_factory) / "built-site"
    root.mkdir(exist_ok=True)
    return root


@contextlib.contextmanager
def flocked(path, mode):
    """Hold an flock of ``path`` (fcntl.LOCK_SH or LOCK_EX) while inside; closing the file
    releases it."""
    with open(path, "a") as file:
        fcntl.flock(file, mode)
        yield


_BUILD = {}  # the build this process started: its process, and the thread that records it


def _start_build(root):
    """Start ``mkdocs build --strict`` into root/site; the process, its start time."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "DLNOTES_PAGECODE_REPORT": str(root / "pagecode-report.json"),  # what its page-code hook ran
           "DLNOTES_PAGECODE_CACHE": "fill", "DLNOTES_PAGECODE_CACHE_DIR": str(root / "pagecode-cache")}
    process = _BUILD["process"] = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-d", str(root / "site")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    return process, time.perf_counter()


def _finish_build(root, process, start):
    """Wait for the build and record what it did in root/build.json."""
    log = process.communicate()[0]
    (root / "build.json").write_text(json.dumps({"site": str(root / "site"), "log": log,
                                                 "seconds": time.perf_counter() - start,
                                                 "returncode": process.returncode}), encoding="utf-8")


def _build_in_background(root):
    """Start the build, and a thread of this process that waits for it, holding root/build.lock
    until it is recorded; a no-op when another process holds the lock (it is building) or the
    build is recorded already."""
    lock = open(root / "build.lock", "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return
    if (root / "build.json").exists():
        lock.close()
        return
    process, start = _start_build(root)

    def wait():
        try:
            _finish_build(root, process, start)
        finally:
            lock.close()  # releases the lock

    _BUILD["waiter"] = threading.Thread(target=wait, name="mkdocs build", daemon=True)
    _BUILD["waiter"].start()


# ---- the build and the copy-run first, the other tests in their gaps --------------------------
# Two chains of work set the suite's time, and each waits for the step before it: the build, then
# the tests of the built site; and with the fresh-venv tests, the copy-run: the build, every page
# in the learner's venv, the Jupyter install, every notebook. Each step is a
# minute of CPU or less on its own, but on 2 cores shared equally with three workers' tests it took
# three times as long (lesson 10's page: 6 s alone, 33 s in the suite). So each worker lowers its
# own priority (and its children's: Chromium, pip, mkdocs copies) when it starts its first test
# outside the copy-run; the build, started at collection before any test, and the copy-run's
# processes keep theirs. The workers still get every core those chains leave idle.

COPY_RUN = "test_copyrun.py"
LIGHTHOUSE = "test_lighthouse.py"
BELOW_THE_CHAINS = 5  # nice: ~1/3 of a normal process' share of a busy core
_PRIORITY = {"chains": False, "lowered": False}


@pytest.hookimpl(tryfirst=True)  # before the fixtures are set up
def pytest_runtest_setup(item):
    """Lower this worker's priority below the chains' when it starts its first test outside them."""
    if (_PRIORITY["chains"] and not _PRIORITY["lowered"] and item.path.name != COPY_RUN
            and os.environ.get("PYTEST_XDIST_WORKER")):
        os.nice(BELOW_THE_CHAINS)
        _PRIORITY["lowered"] = True


# The files that take longest (measured on 2 cores), started first so that the workers end together.
# The copy-run starts before everything: its fresh install needs no site and runs while the site
# builds, and it is the longest file by far. test_noshared comes next among the tests that need no
# site: its copy runs the MNIST, pretrained and training tests in one test, two to three minutes.
LONGEST_FIRST = [COPY_RUN, "test_noshared.py", "test_browser.py", "test_lesson_notebooks.py", LIGHTHOUSE,
                 "test_site.py", "test_draw.py", "test_new_lesson.py", "test_diagrams.py"]


# The tests that use MNIST data or file paths also run in tests/test_noshared.py's copy of the
# repository, which has no shared data folder beside it and gets the official test set only from a
# mirror on 127.0.0.1. When that test runs, they run there only, not a second time here: the
# downloader checks the files' SHA-256, so every computation on the data is the same in both places,
# and in the copy they run under the stricter condition. Run on their own
# (`pytest tests/test_mnist.py`), they run here.
NO_SHARED_COPY = ("tests/test_noshared.py::"
                  "test_suite_passes_in_a_copy_with_no_shared_folder_and_only_a_t10k_mirror")
IN_THE_NO_SHARED_COPY = ("tests/test_mnist.py", "tests/test_pretrained.py", "tests/test_training.py")


def _run_in_the_copy_only(config, items):
    """Deselect the tests that the copy without the shared folder runs, when it runs; return the
    others."""
    if not any(item.nodeid == NO_SHARED_COPY for item in items):
        return items
    kept, moved = [], []
    for item in items:
        (moved if item.nodeid.split("::")[0] in IN_THE_NO_SHARED_COPY else kept).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)  # counted as deselected in the summary
    return kept


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected: only the tests that will run
def pytest_collection_modifyitems(session, config, items):
    """The tests that need the built site run last, and the build starts now, in the background.

    Building takes a minute of both cores. Started when the tests are collected, it runs while
    the package's own tests do (they come first), instead of keeping workers waiting for it.
    In each group the longest files come first; the copy-run comes before both groups. A file's
    tests keep their order.
    """
    items[:] = _run_in_the_copy_only(config, items)
    site_files = {item.path for item in items if "built_site" in item.fixturenames}

    def order(item):
        name = item.path.name
        rank = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return (0 if name == COPY_RUN else 2 if item.path in site_files else 1, rank)

    items.sort(key=order)  # stable
    _PRIORITY["chains"] = bool(site_files) or any(item.path.name == COPY_RUN for item in items)
    if site_files and not config.option.collectonly:
        _build_in_background(_site_root(config._tmp_path_factory))


def pytest_sessionfinish(session, exitstatus):
    """A worker that started the build and has no test left waits for it: other workers' tests
    may be waiting for it too (xdist also shuts down at once a worker it has no file for). Only
    an interrupted run stops it."""
    process = _BUILD.get("process")
    if process is None or process.poll() is not None:
        return
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        process.kill()
    _BUILD["waiter"].join()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site built once with ``mkdocs build --strict``: (site_dir, build log, seconds).

    The build runs every code block of every page (tools/hooks/pagecode.py) and every notebook,
    cold (no cached result is read), and reports what it ran in pagecode-report.json beside the
    site. It stores its results in pagecode-cache/ beside the site (DLNOTES_PAGECODE_CACHE=fill),
    for the suite's second build (tests/test_new_lesson.py) to reuse. It starts when the tests
    are collected (above); with several workers, the first to start it builds, and every worker
    waits for that build here and uses it.
    """
    root = _site_root(tmp_path_factory)
    with flocked(root / "build.lock", fcntl.LOCK_EX):  # held by the build while it runs
        if not (root / "build.json").exists():  # nobody started it (e.g. a test run by node id)
            _finish_build(root, *_start_build(root))
    build = json.loads((root / "build.json").read_text(encoding="utf-8"))
    if build["returncode"] != 0:
        pytest.fail(f"mkdocs build --strict failed ({build['returncode']}):\n{build['log'][-6000:]}",
                    pytrace=False)
    return Path(build["site"]), build["log"], build["seconds"]


# ---- a real browser, shared by every browser test (tests/test_browser.py, test_draw.py) ------
# Session fixtures live here, once: Playwright's sync API can run only one session per process.

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def find_chromium():
    candidates = [os.environ.get("DLNOTES_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and os.path.exists(c)), None)


def chromium_or_skip():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must install it (scripts/test.sh runs apt-get)")
        pytest.skip("chromium is not installed; `bash scripts/test.sh` installs it (apt-get, as root)")
    return path


@pytest.fixture(scope="session")
def playwright_session():
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=chromium_or_skip(), headless=True,
                                                 args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _serve_gzip():
    spec = importlib.util.spec_from_file_location("dlnotes_serve_gzip", ROOT / "tools" / "serve_gzip.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def base_url(built_site):
    server, url = _serve_gzip().start(built_site[0])
    yield url
    server.shutdown()
    server.server_close()


def switch_scheme(page, scheme):
    """Set the system's colour scheme ("light" or "dark") for a loaded page and wait until Material
    has followed it (its palette follows the system by default) and no transition is running."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function("s => document.body.getAttribute('data-md-color-scheme') === s"
                           " && document.getAnimations().length === 0",
                           arg={"light": "default", "dark": "slate"}[scheme])


# ---- PyTorch as an independent reference (the test extra installs it) ------------------------

def torch_or_skip():
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyTorch is not installed: CI installs torch==2.13.0 for this test (scripts/test.sh)")
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0); CI runs this test")
    return torch
