"""Lighthouse (mobile) on representative pages of the built site, against the budget of issue 7.

The pages: the home page, the heaviest lesson of each language (by the bytes of the page and its
figures, computed from the build) and a notebook page, served with gzip on 127.0.0.1 and scored in
Debian's chromium with the Korean system font (fonts-noto-cjk) a Korean reader has.

One run per page, all four categories, gates what does not depend on the machine's speed:
accessibility, best practices and SEO at least 95, at most 400 KB on first load, CLS at most 0.05,
and at most 6,000 elements in the loaded page (style and layout, most of a lesson's main-thread
time, grow with it).

The performance score and LCP are printed, not gated here. Lighthouse computes them from the CPU
time it measures on this machine, and this VM's speed moves too much for a gate: on an idle machine,
on 2026-12-02, the English lesson 10 scored 97 in the morning and 76-80 in the afternoon, and the
home page (397 elements) 92, while Lighthouse's own speed measure (benchmarkIndex) read
1,100-2,200 both times; scaling the CPU slowdown by it, as Lighthouse's calculator does, would not
have told the two apart. `bash scripts/lighthouse.sh` measures them (best of ``--runs``) and exits 1 under the
budget; docs/benchmarks records the results with the day's speed. Runs with ``-m lighthouse``;
needs chromium, fonts-noto-cjk, node and npm (``bash scripts/lighthouse.sh`` installs them).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

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


@pytest.fixture(scope="module")
def scores(built_site, chrome):
    site = built_site[0]
    scored = {s.page: s for s in pagequality.score(site, representative_pages(site), runs=1, chrome=chrome)}
    print("\n" + pagequality.table(scored.values()))
    for s in scored.values():  # the figures that move with the machine's speed, for the record
        print(f"{s.page}: {s.dom_elements} DOM elements; performance {s.performance}, LCP {s.lcp_ms / 1000:.1f} s "
              f"at Lighthouse's benchmarkIndex {s.benchmark_index:.0f} (not gated: see the module docstring)")
    return scored


def test_representative_pages_are_chosen_from_the_build(built_site):
    pages = representative_pages(built_site[0])
    assert pages[0] == "/" and pages[1].startswith("/lessons/") and pages[2].startswith("/en/lessons/")
    assert "notebook" in pages[3] and len(set(pages)) == 4


def test_budgets_that_do_not_depend_on_the_machines_speed(scores):
    # Every figure was measured: a renamed audit must fail here, not drop its budget silently.
    assert all(None not in (s.bytes, s.cls, s.dom_elements, s.accessibility, s.best_practices, s.seo)
               for s in scores.values()), scores
    problems = {page: s.over_budget(performance=False) for page, s in scores.items()}
    assert {p: v for p, v in problems.items() if v} == {}


def test_the_budget_catches_a_page_over_it():
    fine = pagequality.Score(page="/", performance=0, accessibility=100, best_practices=100, seo=100,
                             bytes=80_000, lcp_ms=9_000.0, cls=0.001, dom_elements=400)
    assert fine.over_budget(performance=False) == []  # performance and LCP are not gated here
    assert len(fine.over_budget()) == 2  # scripts/lighthouse.sh gates them
    heavy = pagequality.Score(page="/", performance=99, accessibility=94, best_practices=100, seo=100,
                              bytes=pagequality.MAX_BYTES + 1, lcp_ms=1_000.0, cls=pagequality.MAX_CLS * 2,
                              dom_elements=pagequality.MAX_DOM_ELEMENTS + 1)
    problems = " | ".join(heavy.over_budget(performance=False))
    for part in ("accessibility 94", "bytes >", "CLS", "DOM elements >"):
        assert part in problems, problems
