"""Run every Python code block of a page at build time, the way a reader who copies them would.

MkDocs hook (see ``hooks:`` in mkdocs.yml), also imported by ``tests/test_pages.py``.

For each page, the ```` ```python ```` blocks run in order in one namespace, like notebook
cells. Lines ``--8<-- "dlnotes/module.py:section"`` are first replaced by that section of the
package source, so the page shows, and the build runs, exactly the package's code. After each
block the hook inserts what it printed (and any warning) as an output block, and every
matplotlib figure it drew as an SVG file (``assets/figures/<hash>.svg`` in the built site,
shown with an ``<img>`` that knows its size). A figure drawn inside a collapsed block
(``??? example "Code for the figure"``) is shown after that block, not hidden in it. A block
that raises, or a figure with a missing glyph (Korean drawn as empty boxes), fails the build.

Each page starts from matplotlib's default settings, so a Korean page that forgets
``use_korean_font()`` fails instead of borrowing the previous page's font.

A page's results are cached by content (tools/hooks/buildcache.py: the page's code, the
package's data, the data, the installed versions, this file, and the package modules that were
loaded when its code had run, each by its hash): an unchanged page is not run again, and a
module that a page never imported does not make it run again.
``DLNOTES_PAGECODE_CACHE=0`` (and CI) runs everything. ``$DLNOTES_PAGECODE_REPORT`` names a
JSON file that receives, per page, the blocks and whether they ran or came from the cache.

Pages are independent, so when several must run, a second process (this file, run as a
script) runs them from the last page backwards while the build works forwards from the first:
two cores, about half the wait. The build uses a result only if it was computed from exactly
the code the page hands the hook (same key); a page that fails in the worker is run again in
the build, which reports the error. ``DLNOTES_PAGECODE_WORKER=0`` runs every page in the build.
"""

import contextlib
import functools
import hashlib
import html
import importlib.util
import io
import json
import logging
import os
import posixpath
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
SNIPPET_BASES = (ROOT / "src", ROOT)  # "dlnotes/x.py:section", or "tests/test_x.py:section"
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)\s*$")
SNIPPET_LINE = re.compile(r'^(?P<indent>[ \t]*)--8<--[ \t]+"(?P<target>[^"]+)"[ \t]*$')
COLLAPSED = re.compile(r"^(?P<indent>[ \t]*)\?\?\?(?!\+)")  # a pymdownx.details block, closed
GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from (current )?font")
RUNNABLE = {"python", "py", "python3"}
OUTPUT_TITLE = {"ko": "출력", "en": "Output"}
FIGURE_DIR = "assets/figures"  # in the built site
log = logging.getLogger("mkdocs.hooks.pagecode")


def _sibling(name):
    """Import tools/hooks/<name>.py (a helper module beside this hook, not a hook itself)."""
    spec = importlib.util.spec_from_file_location(f"dlnotes_hooks_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


buildcache = _sibling("buildcache")


class PageCodeError(Exception):
    """A code block of a page failed: raised, or drew text the font cannot show."""


@dataclass
class Block:
    """One fenced code block: its line range in the page and the code a reader gets."""

    first: int  # index of the opening fence line
    last: int  # index of the closing fence line
    indent: str
    info: str
    code: str  # with snippet lines expanded, dedented

    @property
    def runs(self):
        words = set(re.findall(r"[\w-]+", self.info))
        return bool(self.language in RUNNABLE and not words & {"norun", "no-run"})

    @property
    def language(self):
        m = re.match(r"\{?\s*\.?([\w+-]+)", self.info)
        return m.group(1).lower() if m else ""


@dataclass
class Outcome:
    """What a block produced: printed text (stdout, stderr, warnings) and figures as SVG text."""

    text: str = ""
    figures: list = field(default_factory=list)  # (alt text, svg) pairs


def read_section(target, bases=SNIPPET_BASES):
    """Return the lines of ``file.py:section`` (or a whole file), from the first base that has it.

    Raises PageCodeError for a missing file or section, so a typo cannot embed nothing.
    """
    path, _, section = target.partition(":")
    file = next((base / path for base in bases if (base / path).is_file()), None)
    if file is None:
        raise PageCodeError(f"snippet file not found: {target!r} (looked in {', '.join(map(str, bases))})")
    lines = file.read_text(encoding="utf-8").splitlines()
    if not section:
        return lines
    start = f"# --8<-- [start:{section}]"
    end = f"# --8<-- [end:{section}]"
    stripped = [line.strip() for line in lines]
    if start not in stripped or end not in stripped:
        raise PageCodeError(f"snippet section not found: {target!r}")
    i, j = stripped.index(start), stripped.index(end)
    return lines[i + 1 : j]


def expand_snippets(lines, bases=SNIPPET_BASES):
    """Replace each ``--8<-- "file:section"`` line by the section's lines."""
    out = []
    for line in lines:
        m = SNIPPET_LINE.match(line)
        if m:
            out.extend(m.group("indent") + s if s else s for s in read_section(m.group("target"), bases))
        else:
            out.append(line)
    return out


def find_blocks(markdown, bases=SNIPPET_BASES):
    """Return the fenced code blocks of a Markdown page, in order, snippets expanded."""
    lines = markdown.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info")
        close = re.compile(rf"^{re.escape(indent)}{fence[0]}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise PageCodeError(f"unclosed code fence at line {i + 1}")
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : j]]
        code = "\n".join(expand_snippets(body, bases))
        blocks.append(Block(first=i, last=j, indent=indent, info=info, code=code))
        i = j + 1
    return blocks


# ---- figures ------------------------------------------------------------------------------------

_DECIMAL = re.compile(r"-?\d+\.\d+")
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="(?P<w>[\d.]+)(?P<wu>pt|px)?"[^>]*?\sheight="(?P<h>[\d.]+)(?P<hu>pt|px)?"')


def _round(match):
    text = f"{float(match.group(0)):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def slim_svg(svg):
    """The same drawing in fewer bytes: no XML prolog, metadata or comments, 0.01 pt coordinates.

    matplotlib writes coordinates to 6 decimals (1/100,000 of a pixel) and one line per path
    command; a figure shown in an <img> needs neither.
    """
    svg = re.sub(r"\A<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r' d="([^"]*)"', lambda m: ' d="' + " ".join(_DECIMAL.sub(_round, m.group(1)).split()) + '"', svg)
    svg = re.sub(r' ([xy])="(-?\d+\.\d+)"', lambda m: f' {m.group(1)}="{_DECIMAL.sub(_round, m.group(2))}"', svg)
    return re.sub(r">\s+<", "><", svg).strip() + "\n"


def svg_size(svg):
    """(width, height) in CSS pixels of an SVG whose root gives its size in pt or px."""
    m = _SVG_SIZE.search(svg)
    if not m:
        raise PageCodeError("an SVG figure without width and height")
    scale = {"pt": 4 / 3, "px": 1, None: 1}
    return (round(float(m["w"]) * scale[m["wu"]]), round(float(m["h"]) * scale[m["hu"]]))


class FigureFiles:
    """The figures of a build, one file per distinct figure: ``assets/figures/<sha12>.svg``.

    With ``site_dir`` set, each file is written there (atomically) the first time it is added;
    without, the figures are only kept in ``self.files`` (tests).
    """

    def __init__(self, site_dir=None):
        self.site_dir = Path(site_dir) if site_dir else None
        self.files = {}  # path in the site -> svg text

    def add(self, svg):
        """Return the figure's path in the site, writing the file if it is new."""
        path = f"{FIGURE_DIR}/{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:12]}.svg"
        if path not in self.files and self.site_dir is not None:
            target = self.site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(svg)
            os.chmod(partial, 0o644)  # mkstemp makes it private; the site is public
            os.replace(partial, target)
        self.files[path] = svg
        return path


def figure_html(src, alt, svg, eager=False):
    """An <img> for one figure, with its own size (no layout shift) and lazy loading."""
    width, height = svg_size(svg)
    alt = html.escape(" ".join(alt.split()), quote=True)
    loading = "" if eager else ' loading="lazy"'
    return (f'<img src="{html.escape(src, quote=True)}" alt="{alt}" width="{width}" height="{height}"'
            f'{loading} decoding="async" class="dl-figure">')


def _svg(fig):
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return slim_svg(buffer.getvalue())


def _alt_text(fig):
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    if fig._suptitle is not None:
        titles.insert(0, fig._suptitle.get_text())
    return "; ".join(titles) or "figure"


# ---- running the code ---------------------------------------------------------------------------


@contextlib.contextmanager
def _page_language(lang):
    """Set $DLNOTES_LANG to the page's language (None: leave it alone); restore it afterwards."""
    if lang is None:
        yield
        return
    before = os.environ.get("DLNOTES_LANG")
    os.environ["DLNOTES_LANG"] = lang
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DLNOTES_LANG", None)
        else:
            os.environ["DLNOTES_LANG"] = before


@functools.cache
def _pyplot():
    """matplotlib.pyplot on the Agg backend (no display at build time), and the build's Hypothesis
    profile: set up when page code first runs. A build whose pages all come from the cache needs
    neither (importing pyplot was 0.6 s, a twentieth of a no-change rebuild)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _hypothesis_profile()
    return plt


def run_blocks(codes, label="page", lang=None):
    """Run code strings in order in one fresh namespace; return one Outcome per code string.

    matplotlib starts from its defaults (the rc file's settings) and gets its settings back
    afterwards. With ``lang`` ('ko' or 'en'), ``$DLNOTES_LANG`` is set to it while the code
    runs, so ``dlnotes.exercises.check`` reports in the page's language. Raises PageCodeError
    naming the block when one raises or draws a missing glyph.
    """
    namespace = {"__name__": "__main__"}
    outcomes = []
    plt = _pyplot()
    plt.close("all")
    mathtext_log = _GlyphLog()  # mathtext reports missing glyphs by logging, not warning
    logging.getLogger("matplotlib.mathtext").addHandler(mathtext_log)
    try:
        # One BLAS thread: lessons multiply small matrices, which threads slow down many times
        # over on a busy 2-core machine (and timings on the pages stay comparable).
        with _one_blas_thread(), matplotlib.rc_context():
            matplotlib.rc_file_defaults()  # not the previous page's font or style
            matplotlib.rcParams["svg.hashsalt"] = "dlnotes"  # reproducible SVG ids
            with _page_language(lang):
                return _run(codes, label, namespace, outcomes, mathtext_log)
    finally:
        plt.close("all")
        logging.getLogger("matplotlib.mathtext").removeHandler(mathtext_log)


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class _GlyphLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        if "does not have a glyph" in record.getMessage():
            self.messages.append(record.getMessage())


def _run(codes, label, namespace, outcomes, mathtext_log):
    plt = _pyplot()
    for n, code in enumerate(codes, start=1):
        stdout = io.StringIO()
        with (warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout),
              contextlib.redirect_stderr(stdout)):  # a reader's terminal shows both
            warnings.simplefilter("always")
            try:
                exec(compile(code, f"<{label} block {n}>", "exec"), namespace)
                figures = [(_alt_text(plt.figure(k)), _svg(plt.figure(k))) for k in plt.get_fignums()]
            except Exception:
                raise PageCodeError(
                    f"{label}, code block {n} raised:\n{code}\n\n{traceback.format_exc(limit=-3)}"
                ) from None
            finally:
                plt.close("all")
        for message in [str(w.message) for w in caught] + mathtext_log.messages:
            if GLYPH_MISSING.search(message) or "does not have a glyph" in message:
                raise PageCodeError(f"{label}, code block {n}: {message} (Korean text drawn as boxes)")
        text = stdout.getvalue()
        text += "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
        outcomes.append(Outcome(text=text, figures=figures))
    return outcomes


def page_language(page):
    """The page's language code ('ko' or 'en'), from the i18n plugin or the file name."""
    return getattr(page.file, "locale", None) or page_language_of(page.file.src_uri)


# ---- putting the results into the page ----------------------------------------------------------


def _collapsed_end(lines, block):
    """If ``block`` sits in a collapsed ``???`` block: (line index after it, its indent); else None."""
    if not block.indent:
        return None
    width = len(block.indent.expandtabs(4))
    for i in range(block.first - 1, -1, -1):
        line = lines[i]
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if len(line[:indent].expandtabs(4)) >= width:
            continue
        m = COLLAPSED.match(line)
        if not m:
            return None  # the nearest container is something else (a list, an open admonition)
        outer = len(m.group("indent").expandtabs(4))
        j = block.last + 1
        while j < len(lines):
            text = lines[j]
            if text.strip() and len(text[: len(text) - len(text.lstrip())].expandtabs(4)) <= outer:
                break
            j += 1
        while j > block.last + 1 and not lines[j - 1].strip():
            j -= 1  # before the blank lines that end the block
        return j, m.group("indent")
    return None


def insert_outcomes(markdown, blocks, outcomes, lang="ko", figures=None, page_dir=""):
    """Return the page with snippets expanded and each block's output and figures inserted.

    ``outcomes`` maps id(block) to its Outcome; ``figures`` (a FigureFiles) stores the SVGs;
    image URLs are relative to ``page_dir``, the page's directory in the site.
    """
    figures = figures if figures is not None else FigureFiles()
    lines = markdown.splitlines()
    replace = {}  # first line of a block -> (its last line, the lines that replace them)
    placed = []  # (position in the page, line index to insert before or None, indent, alt, svg)
    for block in blocks:
        new = [lines[block.first], *(block.indent + line if line else line for line in block.code.splitlines()),
               lines[block.last]]
        outcome = outcomes.get(id(block))
        if outcome is not None and outcome.text.strip():
            title = OUTPUT_TITLE.get(lang, "Output")
            new += ["", f'{block.indent}``` {{ .text .dl-output title="{title}" }}',
                    *(block.indent + line for line in outcome.text.rstrip("\n").splitlines()),
                    f"{block.indent}```"]
        replace[block.first] = (block.last, new)
        if outcome is None:
            continue
        collapsed = _collapsed_end(lines, block)
        for n, (alt, svg) in enumerate(outcome.figures):
            if collapsed:
                placed.append(((collapsed[0] - 0.5, block.first, n), collapsed[0], collapsed[1], alt, svg))
            else:
                placed.append(((block.last + 0.5, block.first, n), None, block.indent, alt, svg))
    first_figure = min((p[0] for p in placed), default=None)
    before = {}  # line index -> lines inserted before it
    for position, at, indent, alt, svg in placed:
        src = posixpath.relpath(figures.add(svg), page_dir or ".")
        lines_ = ["", indent + figure_html(src, alt, svg, eager=position == first_figure)]
        if at is None:
            replace[position[1]][1].extend(lines_)
        else:
            before.setdefault(at, []).extend(lines_ + [""])
    out, i = [], 0
    while i < len(lines):
        out.extend(before.pop(i, []))
        if i in replace:
            last, new = replace[i]
            out.extend(new)
            i = last + 1
        else:
            out.append(lines[i])
            i += 1
    out.extend(before.pop(len(lines), []))
    return "\n".join(out) + "\n"


def render(markdown, label="page", lang="ko", bases=SNIPPET_BASES, figures=None, page_dir=""):
    """Return the page with snippets expanded, blocks run, outputs and figures inserted."""
    blocks = find_blocks(markdown, bases)
    runnable = [b for b in blocks if b.runs]
    outcomes = dict(zip(map(id, runnable), run_blocks([b.code for b in runnable], label, lang)))
    return insert_outcomes(markdown, blocks, outcomes, lang, figures, page_dir)


# ---- the cache ----------------------------------------------------------------------------------


def page_key(fingerprint, label, lang, codes):
    """Cache key of a page's results: shared inputs, the page, its language and its code."""
    return buildcache.key(fingerprint, "pagecode", label, lang, *codes)


def _to_json(outcomes):
    return [{"text": o.text, "figures": [list(f) for f in o.figures]} for o in outcomes]


def _from_json(value, count):
    if not isinstance(value, list) or len(value) != count:
        return None
    return [Outcome(text=o["text"], figures=[tuple(f) for f in o["figures"]]) for o in value]


def loaded_modules():
    """Files of the dlnotes modules this process has loaded (what page code so far imported)."""
    files = set()
    for name, module in list(sys.modules.items()):
        if (name == "dlnotes" or name.startswith("dlnotes.")) and getattr(module, "__file__", None):
            files.add(str(Path(module.__file__).resolve()))
    return sorted(files)


def module_hashes(files, sources):
    """{name: SHA-256} of module ``files``: names relative to the package, hashes from ``sources``
    (the package's modules as hashed when the build began). A module from elsewhere (not the
    package in this repository) is named by its absolute path and hashed now."""
    package = buildcache.PACKAGE.resolve()
    hashes = {}
    for file in files:
        path = Path(file)
        if path.is_relative_to(package) and path.relative_to(package).as_posix() in sources:
            name = path.relative_to(package).as_posix()
            hashes[name] = sources[name]
        else:
            hashes[str(path)] = buildcache._file_digest(path) if path.is_file() else "missing"
    return hashes


def still_current(modules, sources):
    """Whether every module an entry recorded is unchanged (``sources``: the package now)."""
    if not isinstance(modules, dict):
        return False
    for name, digest in modules.items():
        if Path(name).is_absolute():
            now = buildcache._file_digest(name) if Path(name).is_file() else "missing"
        else:
            now = sources.get(name)
        if now != digest:
            return False
    return True


# ---- MkDocs hook -------------------------------------------------------------------------------


def _hypothesis_profile():
    # Pages run property tests (lesson 3). At build time: the same examples on every build (so
    # the page shows the same counterexample), no per-example deadline on a busy machine, and no
    # example database written into the work tree.
    from hypothesis import settings

    settings.register_profile("dlnotes-build", derandomize=True, deadline=None, database=None)
    settings.load_profile("dlnotes-build")


# ---- a second process for the pages ahead -------------------------------------------------------



@dataclass
class Job:
    key: str
    label: str
    codes: list
    lang: str = None  # the page's language: $DLNOTES_LANG while its code runs


class Prefetcher:
    """Runs pages' code in a worker process, taking jobs from the end of the list.

    The build calls :meth:`take` for each page in its own order: it gets the worker's result,
    waits for it if the worker is busy with that page, or gets None and runs the page itself
    (the job is then withdrawn from the worker). The worker takes its first job only once it
    has imported everything (a few seconds): a page the build reaches before that, it runs
    itself.
    """

    def __init__(self, jobs):
        self.pending = list(jobs)
        self.running = None  # key of the job the worker is running
        self.done = {}  # key -> outcomes (None: the worker failed on it)
        self.lock = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-P", __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8")
        self.thread = threading.Thread(target=self._feed, name="pagecode-prefetch", daemon=True)
        self.thread.start()

    def _feed(self):
        try:
            if self.process.stdout.readline().strip() != "ready":
                return
            while True:
                with self.lock:
                    if not self.pending:
                        break
                    job = self.pending.pop()
                    self.running = job.key
                outcomes = modules = None
                try:
                    self.process.stdin.write(json.dumps({"label": job.label, "codes": job.codes, "lang": job.lang}) + "\n")
                    self.process.stdin.flush()
                    reply = json.loads(self.process.stdout.readline() or "null")
                    if isinstance(reply, dict) and "outcomes" in reply:
                        outcomes = _from_json(reply["outcomes"], len(job.codes))
                        modules = reply.get("modules")
                except (OSError, ValueError):
                    pass  # the worker died: the build runs what is left itself
                with self.lock:
                    self.done[job.key] = None if outcomes is None else (outcomes, modules)
                    self.running = None
                    self.lock.notify_all()
                if outcomes is None and self.process.poll() is not None:
                    break
        finally:
            self.stop()

    def take(self, key):
        """The worker's (outcomes, module files) for ``key``, or None: then the caller runs the page."""
        with self.lock:
            self.pending = [job for job in self.pending if job.key != key]
            while self.running == key:
                self.lock.wait()
            return self.done.pop(key, None)

    def stop(self):
        """Withdraw what is left; end the worker (at once if it is still running a page)."""
        with self.lock:
            self.pending = []
        if self.process.poll() is None:
            self.process.kill()  # it keeps nothing: results travel in the replies
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        if threading.current_thread() is not self.thread:
            self.thread.join()


def _worker():
    """Answer one JSON line per page on stdout: the outcomes of its code, or an error."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else written to stdout (a subprocess, C code) goes to stderr
    _pyplot()
    import dlnotes.plotting  # noqa: F401  (most pages import it: be ready)

    replies.write("ready\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            outcomes = _to_json(run_blocks(request["codes"], request["label"], request.get("lang")))
            reply = {"outcomes": outcomes, "modules": loaded_modules()}
        except Exception as err:  # the build runs the page again and reports the error itself
            reply = {"error": str(err)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def _page_jobs(config, cache):
    """One Job per page of every language whose code must run (not in the cache)."""
    from mkdocs.utils import meta

    docs = Path(config.docs_dir)
    jobs = []
    for path in sorted(docs.rglob("*.md"), key=lambda p: (page_language_of(p.name) != "ko", str(p))):
        label = path.relative_to(docs).as_posix()
        if config.exclude_docs and config.exclude_docs.match_file(label):
            continue
        try:
            markdown, _ = meta.get_data(path.read_text(encoding="utf-8-sig"))
            codes = [b.code for b in find_blocks(markdown) if b.runs]
        except (OSError, UnicodeDecodeError, PageCodeError):
            continue  # the build reports it when it gets to this page
        if not codes:
            continue
        lang = page_language_of(path.name)
        key = _key(label, lang, codes)
        if _from_cache(cache, label, key, len(codes)) is None:
            jobs.append(Job(key, label, codes, lang))
    return jobs


def page_language_of(name):
    """The language of a file named page.<lang>.md ('ko' without a language suffix)."""
    suffixes = Path(name).suffixes
    return suffixes[-2].lstrip(".") if len(suffixes) > 1 else "ko"


REPORT = {}  # page -> blocks, how many ran / came from the cache, seconds
# One build, and the other languages' builds that mkdocs-static-i18n runs inside it, share one
# fingerprint (one snapshot of the inputs) and one worker. `depth` counts the nested builds.
_STATE = {"depth": 0, "fingerprint": None, "cache": None, "prefetcher": None, "written": [], "sources": None}


def _fingerprint():
    if _STATE["fingerprint"] is None:
        _STATE["fingerprint"] = buildcache.fingerprint([__file__])
    return _STATE["fingerprint"]


def _sources():
    if _STATE["sources"] is None:
        _STATE["sources"] = buildcache.source_hashes()
    return _STATE["sources"]


def _from_cache(cache, label, key, count):
    """A page's outcomes from the cache, if stored under ``key`` and its modules are unchanged."""
    if cache is None or not cache.readable:
        return None
    entry = cache.get(label, key)
    if not isinstance(entry, dict) or not still_current(entry.get("modules"), _sources()):
        return None
    return _from_json(entry.get("outcomes"), count)


def _key(label, lang, codes):
    # Without the cache, a key only has to match the worker's jobs in this build.
    return page_key(_fingerprint() if _STATE["cache"] else "this build", label, lang, codes)


def _end_of_build():
    if _STATE["prefetcher"] is not None:
        _STATE["prefetcher"].stop()
    _STATE.update(depth=0, fingerprint=None, cache=None, prefetcher=None, written=[], sources=None)


def on_pre_build(config):
    if _STATE["depth"] == 0:
        _end_of_build()  # a fresh build (or a rebuild of `mkdocs serve`): inputs may have changed
        REPORT.clear()
        _STATE["cache"] = buildcache.open_cache()
        _sources()  # the package's modules as they are when the build begins
        # `mkdocs serve` keeps this process: import the package afresh, as the worker does, so
        # page code runs the package as it is now (and as the fingerprint hashed it).
        for name in [n for n in sys.modules if n == "dlnotes" or n.startswith("dlnotes.")]:
            del sys.modules[name]
        # The pages of every language, read from disk, go to the worker now.
        jobs = _page_jobs(config, _STATE["cache"])
        if jobs and os.environ.get("DLNOTES_PAGECODE_WORKER") != "0":
            _STATE["prefetcher"] = Prefetcher(jobs)
    _STATE["depth"] += 1


def on_page_markdown(markdown, page, config, files):
    from mkdocs.exceptions import PluginError

    start = time.perf_counter()
    label, lang = page.file.src_uri, page_language(page)
    try:
        blocks = find_blocks(markdown)
        runnable = [b for b in blocks if b.runs]
        codes = [b.code for b in runnable]
        key = _key(label, lang, codes) if runnable else None
        cache = _STATE["cache"] if runnable else None
        results = _from_cache(cache, label, key, len(codes))
        cached = results is not None
        where = "cache" if cached else "build"
        modules = None
        if not cached and runnable and _STATE["prefetcher"] is not None:
            results, modules = _STATE["prefetcher"].take(key) or (None, None)
            where = "worker" if results is not None else where
        if results is None:
            results = run_blocks(codes, label, lang) if runnable else []
            modules = loaded_modules()
        if not cached and cache and modules is not None:
            cache.put(label, key, {"outcomes": _to_json(results),
                                   "modules": module_hashes(modules, _sources())})
            _STATE["written"].append((label, key))
        rendered = insert_outcomes(markdown, blocks, dict(zip(map(id, runnable), results)), lang,
                                   FigureFiles(config.site_dir), posixpath.dirname(page.file.dest_uri))
    except PageCodeError as err:
        raise PluginError(str(err)) from None
    REPORT[label] = {"blocks": len(runnable), "ran": 0 if cached else len(runnable),
                     "cached": len(runnable) if cached else 0, "where": where if runnable else None,
                     "seconds": round(time.perf_counter() - start, 2)}  # what the build waited
    return rendered


@event_priority(-200)  # after mkdocs-static-i18n's (-100), which builds the other languages
def on_post_build(config):
    _STATE["depth"] -= 1
    if _STATE["depth"] <= 0:
        pages = [entry for entry in REPORT.values() if entry["blocks"]]
        log.info("page code: %d blocks ran, %d from the cache (%d pages, %.1f s)",
                 sum(e["ran"] for e in pages), sum(e["cached"] for e in pages), len(pages),
                 sum(e["seconds"] for e in pages))
        if os.environ.get("DLNOTES_PAGECODE_REPORT"):
            Path(os.environ["DLNOTES_PAGECODE_REPORT"]).write_text(json.dumps(REPORT, indent=1), encoding="utf-8")
        changed = (buildcache.fingerprint([__file__]) != _STATE["fingerprint"]
                   or buildcache.source_hashes() != _STATE["sources"])
        if _STATE["written"] and changed:
            # An input changed while the build ran: what was stored may not match its key.
            log.info("page code: the package or the data changed during the build; its results "
                     "are not kept in the cache")
            for label, key in _STATE["written"]:
                _STATE["cache"].path(label, key).unlink(missing_ok=True)
        _end_of_build()


def on_build_error(error):
    _end_of_build()


def on_shutdown():
    _end_of_build()


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _worker()
