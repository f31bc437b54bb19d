"""Run every Python code block of a page at build time, the way a reader who copies them would.

MkDocs hook (see ``hooks:`` in mkdocs.yml), also imported by ``tests/test_pages.py``.

For each page, the ```` ```python ```` blocks run in order in one namespace, like notebook
cells. Lines ``--8<-- "dlnotes/module.py:section"`` are first replaced by that section of the
package source, so the page shows, and the build runs, exactly the package's code. After each
block the hook inserts what it printed (and any warning) as an output block, and every
matplotlib figure it drew as an SVG image. A block that raises, or a figure with a missing glyph
(Korean drawn as empty boxes), fails the build.
"""

import base64
import contextlib
import io
import logging
import re
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display at build time
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SNIPPET_BASES = (ROOT / "src", ROOT)  # "dlnotes/x.py:section", or "tests/test_x.py:section"
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)\s*$")
SNIPPET_LINE = re.compile(r'^(?P<indent>[ \t]*)--8<--[ \t]+"(?P<target>[^"]+)"[ \t]*$')
GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from (current )?font")
RUNNABLE = {"python", "py", "python3"}
OUTPUT_TITLE = {"ko": "출력", "en": "Output"}


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


def _svg(fig):
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _alt_text(fig):
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    if fig._suptitle is not None:
        titles.insert(0, fig._suptitle.get_text())
    return "; ".join(titles) or "figure"


def run_blocks(codes, label="page"):
    """Run code strings in order in one fresh namespace; return one Outcome per code string.

    Raises PageCodeError naming the block when one raises or draws a missing glyph.
    """
    namespace = {"__name__": "__main__"}
    outcomes = []
    plt.close("all")
    matplotlib.rcParams["svg.hashsalt"] = "dlnotes"  # reproducible SVG ids
    mathtext_log = _GlyphLog()  # mathtext reports missing glyphs by logging, not warning
    logging.getLogger("matplotlib.mathtext").addHandler(mathtext_log)
    try:
        # One BLAS thread: lessons multiply small matrices, which threads slow down many times
        # over on a busy 2-core machine (and timings on the pages stay comparable).
        with _one_blas_thread():
            return _run(codes, label, namespace, outcomes, mathtext_log)
    finally:
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
    locale = getattr(page.file, "locale", None)
    if locale:
        return locale
    suffixes = Path(page.file.src_uri).suffixes
    return suffixes[-2].lstrip(".") if len(suffixes) > 1 else "ko"


def render(markdown, label="page", lang="ko", bases=SNIPPET_BASES):
    """Return the page with snippets expanded, blocks run, outputs and figures inserted."""
    blocks = find_blocks(markdown, bases)
    runnable = [b for b in blocks if b.runs]
    outcomes = dict(zip(map(id, runnable), run_blocks([b.code for b in runnable], label)))
    lines = markdown.splitlines()
    out, pos = [], 0
    for block in blocks:
        out.extend(lines[pos : block.first + 1])
        out.extend(block.indent + line if line else line for line in block.code.splitlines())
        out.append(lines[block.last])
        pos = block.last + 1
        outcome = outcomes.get(id(block))
        if outcome is None:
            continue
        if outcome.text.strip():
            title = OUTPUT_TITLE.get(lang, "Output")
            out.append("")
            out.append(f'{block.indent}``` {{ .text .dl-output title="{title}" }}')
            out.extend(block.indent + line for line in outcome.text.rstrip("\n").splitlines())
            out.append(f"{block.indent}```")
        for alt, svg in outcome.figures:
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            alt = re.sub(r"[\[\]\n]", " ", alt)
            out.append("")
            out.append(f"{block.indent}![{alt}](data:image/svg+xml;base64,{data}){{ .dl-figure }}")
    out.extend(lines[pos:])
    return "\n".join(out) + "\n"


# ---- MkDocs hook -------------------------------------------------------------------------------


def on_config(config):
    # Pages run property tests (lesson 3). At build time: the same examples on every build (so
    # the page shows the same counterexample), no per-example deadline on a busy machine, and no
    # example database written into the work tree.
    from hypothesis import settings

    settings.register_profile("dlnotes-build", derandomize=True, deadline=None, database=None)
    settings.load_profile("dlnotes-build")
    return config


REPORT = {}  # page -> blocks run and seconds, written where $DLNOTES_PAGECODE_REPORT says


def on_page_markdown(markdown, page, config, files):
    import time

    from mkdocs.exceptions import PluginError

    start = time.perf_counter()
    try:
        rendered = render(markdown, label=page.file.src_uri, lang=page_language(page))
    except PageCodeError as err:
        raise PluginError(str(err)) from None
    REPORT[page.file.src_uri] = {"blocks": sum(b.runs for b in find_blocks(markdown)),
                                 "seconds": round(time.perf_counter() - start, 2)}
    return rendered


def on_post_build(config):
    import json
    import os

    if os.environ.get("DLNOTES_PAGECODE_REPORT"):
        Path(os.environ["DLNOTES_PAGECODE_REPORT"]).write_text(json.dumps(REPORT, indent=1), encoding="utf-8")
