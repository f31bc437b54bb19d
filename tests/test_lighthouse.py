"""Lighthouse (mobile) on representative pages of the built site, against the budget of issue 7.

The pages: the home page, the heaviest lesson of each language (by the bytes of the page and its
figures, computed from the build) and a notebook page, served with gzip on 127.0.0.1 and scored in
Debian's chromium with the Korean system font (fonts-noto-cjk) a Korean reader has.

Accessibility, best practices, SEO, bytes and CLS are deterministic: one run gates them. The
performance score (and LCP, which Lighthouse simulates from measured CPU time) moves with machine
load: each page gets up to five runs and the best counts (on the project's 2-core machine, the
English lesson 10's blocking time moves between 150 and 340 ms from one run to the next, its
score between 92 and 99, on an idle machine). So only the performance runs wait for a quiet
machine (tests/conftest.py), and they run the performance category alone (13 s a run instead of
19 s); accessibility, best practices and SEO are scored afterwards in one run per page, while
other tests run. The suite starts this file first after the copy-run, so it scores the pages as
soon as they are built. Runs with ``-m lighthouse``; needs chromium, fonts-noto-cjk, node and npm
(``bash scripts/lighthouse.sh`` installs them).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, quiet_machine

pytestmark = pytest.mark.lighthouse


def _load_pagequality():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dlnotes_pagequality", ROOT / "tools" / "pagequality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pagequality = _load_pagequality()


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must provide it (bash scripts/lighthouse.sh installs it)", pytrace=False)
    pytest.skip(f"{reason}; `bash scripts/lighthouse.sh` installs it (apt-get, npm ci)")


@pytest.fixture(scope="module")
def chrome():
    path = pagequality.find_chromium()
    if path is None:
        unavailable("chromium is not installed")
    korean = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True).stdout
    if not korean.strip():
        unavailable("no Korean system font (fonts-noto-cjk) for the browser")
    if shutil.which("node") is None:
        unavailable("node is not installed")
    if not pagequality.LIGHTHOUSE.exists():
        if shutil.which("npm") is None:
            unavailable("npm is not installed")
        subprocess.run(["npm", "ci", "--prefix", str(pagequality.NODE_DIR), "--no-audit", "--no-fund"],
                       check=True, capture_output=True)
    return path


def lesson_weight(html):
    """Bytes of a lesson page and the images it shows (an ordering, not a transfer size)."""
    total = html.stat().st_size
    for src in set(re.findall(r'<img\b[^>]*\bsrc="([^":]+)"', html.read_text(encoding="utf-8"))):
        image = (html.parent / src.split("#")[0]).resolve()
        total += image.stat().st_size if image.is_file() else 0
    return total


def representative_pages(site):
    """The home page, the heaviest lesson in each language, a notebook page."""
    site = Path(site)
    pages = ["/"]
    for prefix in ("", "en/"):
        lessons = [d / "index.html" for d in (site / prefix / "lessons").iterdir()
                   if (d / "index.html").exists() and "notebook" not in d.name]
        heaviest = max(lessons, key=lesson_weight)
        pages.append(f"/{heaviest.parent.relative_to(site).as_posix()}/")
    notebooks = sorted((site / "lessons").glob("*notebook*/index.html"))
    assert notebooks, "no notebook page in the build"
    pages.append(f"/{notebooks[0].parent.relative_to(site).as_posix()}/")
    return pages


PERFORMANCE = ("performance",)
LOAD_FREE = tuple(c for c in pagequality.CATEGORIES if c not in PERFORMANCE)


@pytest.fixture(scope="module")
def scores(built_site, chrome):
    site = built_site[0]
    pages = representative_pages(site)

    def performance(pages):
        return pagequality.score(site, pages, runs=1, chrome=chrome, categories=PERFORMANCE)

    with quiet_machine():  # no other worker's test runs meanwhile
        first = {s.page: s for s in performance(pages)}
        best = dict(first)
        for _ in range(4):  # the best of up to five runs for the load-dependent figures
            again = [p for p, s in best.items() if s.performance < pagequality.MIN_SCORE
                     or s.lcp_ms > pagequality.MAX_LCP_MS]
            if not again:
                break
            for s in performance(again):
                if s.performance > best[s.page].performance:
                    best[s.page] = s
    # What does not depend on machine load is scored afterwards, while the other tests run.
    audits = {s.page: s for s in pagequality.score(site, pages, runs=1, chrome=chrome, categories=LOAD_FREE)}
    first, best = ({page: pagequality.combine(s, audits[page]) for page, s in runs.items()} for runs in (first, best))
    print("\n" + pagequality.table(best.values()))
    return first, best


def test_representative_pages_are_chosen_from_the_build(built_site):
    pages = representative_pages(built_site[0])
    assert pages[0] == "/" and pages[1].startswith("/lessons/") and pages[2].startswith("/en/lessons/")
    assert "notebook" in pages[3] and len(set(pages)) == 4


def test_deterministic_budgets_on_one_run(scores):
    first, _ = scores
    problems = {page: s.over_budget(performance=False) for page, s in first.items()}
    assert {p: v for p, v in problems.items() if v} == {}


def test_performance_and_lcp_on_the_best_of_five_runs(scores):
    _, best = scores
    problems = {page: [p for p in s.over_budget() if p.startswith(("performance", "LCP"))]
                for page, s in best.items()}
    assert {p: v for p, v in problems.items() if v} == {}

