"""Score the pages of a built site with Lighthouse (mobile), the core of scripts/lighthouse.sh.

Serves the site with gzip on 127.0.0.1 (tools/serve_gzip.py, as GitHub Pages does), runs npm's
``lighthouse`` (tools/node) with Debian's chromium once per page and run, and prints a table:
performance / accessibility / best practices / SEO, bytes transferred on first load, LCP, CLS.

The performance score moves with machine load (Lighthouse simulates a slow phone from the CPU
time it measures), so a page is scored ``--runs`` times and the best performance run is kept;
the other figures are deterministic and come from that same run.

Usage: ``python tools/pagequality.py SITE_DIR [PAGE ...] [--runs N] [--json OUT]``; pages are
site paths such as ``/`` or ``/en/lessons/10-training/`` (default: every page of the site).
The tests import :func:`score` and :func:`site_pages`.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    """Import a sibling module of tools/ by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"dlnotes_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve_gzip = _load("serve_gzip")

NODE_DIR = ROOT / "tools" / "node"
LIGHTHOUSE = NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
                "--disable-background-networking --disable-component-update --no-first-run "
                "--disable-sync --disable-quic")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

# The budgets of issue 7 (a phone, a browser with a Korean system font).
MIN_SCORE = 95
MAX_BYTES = 400_000
MAX_LCP_MS = 2500
MAX_CLS = 0.05
# Elements in the page once loaded (Lighthouse's dom-size): style and layout, most of a lesson's
# main-thread time, grow with it. Unlike the performance score it does not depend on the machine's
# speed. The longest lesson (Korean lesson 10) has 5,029, and scored 95-98 with it on this
# project's 2-core machine at its reference speed; the budget leaves a fifth more.
MAX_DOM_ELEMENTS = 6_000


@dataclass
class Score:
    """One page's Lighthouse figures (scores 0-100, bytes transferred, LCP in ms, CLS; None for
    a category the run left out)."""

    page: str
    performance: int
    accessibility: int
    best_practices: int
    seo: int
    bytes: int
    lcp_ms: float
    cls: float
    runs: int = 1
    dom_elements: int = None
    benchmark_index: float = None  # Lighthouse's measure of the machine's speed in this run
    failed_audits: tuple = ()
    requests: tuple = ()  # (url, transfer bytes, resource type), largest first

    def over_budget(self, performance=True):
        """Return the budget violations of this score, as readable strings (empty: all met)."""
        problems = []
        names = ("performance", "accessibility", "best_practices", "seo")
        for name in names if performance else names[1:]:
            if getattr(self, name) < MIN_SCORE:
                problems.append(f"{name} {getattr(self, name)} < {MIN_SCORE}")
        if self.bytes > MAX_BYTES:
            top = ", ".join(f"{u.rsplit('/', 2)[-2:]}={b}" for u, b, _ in self.requests[:5])
            problems.append(f"{self.bytes} bytes > {MAX_BYTES} (largest: {top})")
        if performance and self.lcp_ms > MAX_LCP_MS:
            problems.append(f"LCP {self.lcp_ms:.0f} ms > {MAX_LCP_MS} ms")
        if self.cls > MAX_CLS:
            problems.append(f"CLS {self.cls:.3f} > {MAX_CLS}")
        if self.dom_elements is not None and self.dom_elements > MAX_DOM_ELEMENTS:
            problems.append(f"{self.dom_elements} DOM elements > {MAX_DOM_ELEMENTS}")
        if problems and self.failed_audits:
            problems.append("failing audits: " + ", ".join(self.failed_audits))
        return problems


def site_pages(site):
    """Every page of a built site as a site path (``/``, ``/en/lessons/01-perceptron/``, ...)."""
    site = Path(site)
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if rel.startswith(("assets", "search", "overrides")):
            continue
        pages.append("/" if rel == "." else f"/{rel}/")
    return pages


def find_chromium():
    """Path of Debian's chromium (or $CHROME_PATH / $DLNOTES_CHROMIUM), or None."""
    import shutil

    for c in (os.environ.get("CHROME_PATH"), os.environ.get("DLNOTES_CHROMIUM"), "/usr/bin/chromium",
              shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and os.path.exists(c):
            return c
    return None


def lighthouse_json(url, chrome, workdir, categories=CATEGORIES):
    """Run Lighthouse once on ``url`` (mobile emulation) for ``categories``; return its JSON report
    (a dict). No full-page screenshot: only the HTML report shows it (2 s of every run)."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError(f"{LIGHTHOUSE} is missing: run `npm ci --prefix {NODE_DIR}`")
    out = Path(workdir) / "report.json"
    command = ["node", str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=" + ",".join(categories), f"--chrome-flags={CHROME_FLAGS}",
               "--max-wait-for-load=60000", "--disable-full-page-screenshot"]
    env = {**os.environ, "CHROME_PATH": chrome}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url} ({result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    return report


def figures(page, report):
    """Extract a :class:`Score` from a Lighthouse JSON report.

    A report of some categories only (``--only-categories``) gives None for the others' scores
    and, without performance, for its figures (bytes, LCP, CLS, elements).
    """
    cats, audits = report["categories"], report["audits"]

    def pct(name):
        if name not in cats:
            return None
        value = cats[name]["score"]
        return -1 if value is None else round(value * 100)

    def numeric(audit, kind):
        return kind(audits[audit]["numericValue"]) if "performance" in cats else None

    items = (audits.get("network-requests", {}).get("details") or {}).get("items", [])
    requests = sorted(((i["url"], int(i.get("transferSize") or 0), i.get("resourceType", ""))
                       for i in items), key=lambda r: -r[1])
    failed = tuple(sorted(
        audit_id for cat in ("accessibility", "best-practices", "seo") for ref in cats.get(cat, {}).get("auditRefs", [])
        if ref.get("weight") and (audits[(audit_id := ref["id"])].get("score") is not None)
        and audits[audit_id]["score"] < 1))
    return Score(page=page, performance=pct("performance"), accessibility=pct("accessibility"),
                 best_practices=pct("best-practices"), seo=pct("seo"),
                 bytes=numeric("total-byte-weight", int), lcp_ms=numeric("largest-contentful-paint", float),
                 cls=numeric("cumulative-layout-shift", float), dom_elements=numeric("dom-size", int),
                 benchmark_index=report.get("environment", {}).get("benchmarkIndex"),
                 failed_audits=failed, requests=tuple(requests))


def score(site, pages=None, runs=1, chrome=None, progress=None, categories=CATEGORIES):
    """Score ``pages`` of the built ``site`` in ``categories``; best performance of ``runs`` runs
    per page.

    Returns a list of :class:`Score`. ``progress`` (optional) is called with each finished score.
    """
    chrome = chrome or find_chromium()
    if chrome is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    pages = list(pages) if pages else site_pages(site)
    server, base = serve_gzip.start(site)
    scores = []
    try:
        with tempfile.TemporaryDirectory(prefix="dlnotes-lh-") as workdir:
            for page in pages:
                best = None
                for _ in range(runs):
                    current = figures(page, lighthouse_json(base + page, chrome, workdir, categories))
                    if best is None or (current.performance or 0) > (best.performance or 0):
                        best = current
                best.runs = runs
                scores.append(best)
                if progress:
                    progress(best)
    finally:
        server.shutdown()
        server.server_close()
    return scores


def table(scores):
    """A Markdown table of scores (the format of docs/benchmarks)."""
    lines = ["| page | perf / a11y / best pr. / SEO | bytes on first load | LCP | CLS |",
             "|---|---|---|---|---|"]
    for s in scores:
        lines.append(f"| `{s.page}` | {s.performance} / {s.accessibility} / {s.best_practices} / {s.seo} "
                     f"| {s.bytes / 1000:.0f} KB | {s.lcp_ms / 1000:.1f} s | {s.cls:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="the built site directory")
    parser.add_argument("pages", nargs="*", help="site paths, e.g. / /en/lessons/10-training/ (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the best performance is kept")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--verbose", action="store_true", help="print the largest requests and failing audits")
    args = parser.parse_intermixed_args(argv)

    def progress(s):
        print(f"{s.page}: perf {s.performance} a11y {s.accessibility} bp {s.best_practices} seo {s.seo} "
              f"{s.bytes / 1000:.0f} KB LCP {s.lcp_ms / 1000:.1f} s CLS {s.cls:.3f} DOM {s.dom_elements} "
              f"(benchmarkIndex {s.benchmark_index:.0f})", file=sys.stderr, flush=True)
        if args.verbose:
            for url, size, kind in s.requests[:8]:
                print(f"    {size:>9,d}  {kind:<10} {url}", file=sys.stderr)
            if s.failed_audits:
                print("    failing: " + ", ".join(s.failed_audits), file=sys.stderr)

    scores = score(args.site, args.pages, runs=args.runs, progress=progress)
    print(table(scores))
    heaviest = max(scores, key=lambda s: s.bytes)
    print(f"\nheaviest page: {heaviest.page} ({heaviest.bytes:,d} bytes)")
    if args.json:
        args.json.write_text(json.dumps([asdict(s) for s in scores], indent=1), encoding="utf-8")
    over = [(s.page, p) for s in scores for p in s.over_budget()]
    for page, problem in over:
        print(f"over budget: {page}: {problem}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
