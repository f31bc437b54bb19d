"""Shared test set-up: Hypothesis profiles, the built site, a headless browser."""

import os

from hypothesis import HealthCheck, settings

# "ci" digs deeper than a local run; "dev" is quick for editing loops (HYPOTHESIS_PROFILE=dev).
settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


# ---- the built site -----------------------------------------------------------------------------

import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the site once with ``mkdocs build --strict``; return (site_dir, build log, seconds).

    The build runs every code block of every page (tools/hooks/pagecode.py) and every notebook,
    cold (no cached result is read), and reports what it ran in pagecode-report.json beside the
    site. It stores its results in pagecode-cache/ beside the site (DLNOTES_PAGECODE_CACHE=fill),
    for the suite's second build (tests/test_new_lesson.py) to reuse.
    """
    site = tmp_path_factory.mktemp("site")
    report = site.parent / "pagecode-report.json"  # what the build's page-code hook ran
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DLNOTES_PAGECODE_REPORT": str(report),
           "DLNOTES_PAGECODE_CACHE": "fill", "DLNOTES_PAGECODE_CACHE_DIR": str(site.parent / "pagecode-cache")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-d", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed ({result.returncode}):\n{log[-6000:]}", pytrace=False)
    return site, log, seconds
