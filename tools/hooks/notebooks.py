"""Make notebooks work with mkdocs-static-i18n, offline, quickly (MkDocs hook).

1. mkdocs-static-i18n rebuilds the file list after mkdocs-jupyter has marked notebooks as pages,
   and copies ``lesson.ko.ipynb`` / ``lesson.en.ipynb`` as raw files instead of rendering them
   (ultrabug/mkdocs-static-i18n#198, mkdocs-static-i18n 1.3.1). We wrap the plugin's file
   factory so a localized notebook stays a documentation page, with the URL a Markdown page of
   the same name would get: each language then renders its own notebook and the language
   switcher links the pair. Drop this when the pinned version renders notebooks itself.
2. This hook executes the notebooks, not mkdocs-jupyter (``execute: false`` in mkdocs.yml): with
   nbclient, a cell that raises fails the build (as ``allow_errors: false`` did), and the
   executed notebook is cached by content (tools/hooks/buildcache.py: the notebook, the
   package, the data, the installed versions, this file), so an unchanged notebook is not run
   again. mkdocs-jupyter renders the executed copy; the download stays the committed notebook.
   ``DLNOTES_PAGECODE_CACHE=0`` (and CI) runs every notebook.
3. nbconvert's template loads MathJax and mermaid from a CDN; this site makes no third-party
   request, so those scripts are removed (notebooks keep formulas in the Markdown lessons).
4. nbconvert inlines about 570 KB of JupyterLab CSS into every notebook page. It is the same on
   every page, so it goes into one file, ``assets/jupyter/<hash>.css``, that the pages link
   (the browser downloads it once).
5. Outputs, prompts and the copy buttons' hidden text are kept out of the search index.
6. Each notebook page gets a link to download its .ipynb (mkdocs-jupyter copies the file).
7. A matplotlib "Glyph ... missing" warning in a notebook's output fails the build.
8. Figures get alt text naming the notebook and the figure number, instead of nbconvert's
   "No description has been provided for this image".
"""

import atexit
import hashlib
import importlib.util
import logging
import os
import posixpath
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File

FIGURE = {"ko": "그림", "en": "Figure"}
NO_ALT = 'alt="No description has been provided for this image"'
DOWNLOAD = {"ko": "노트북 파일 내려받기 (.ipynb)", "en": "Download this notebook (.ipynb)"}
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style>\s*", re.I | re.S)
# nbconvert's scripts for MathJax (an empty or CDN src) and mermaid (imported from a CDN)
OFFSITE = re.compile(r'src="(https?://[^"]*)?"|import\("https?://|x-mathjax-config', re.I)
GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from (current )?font")
# Parts of a rendered notebook kept out of the site's search: the text outputs, the prompts and
# the copy buttons' hidden text. Material's search parser (9.x) matches elements by tag name
# only (inside an excluded <div>, the first </div> ends the exclusion), so only elements with no
# nested element of their own tag are marked: the outputs' <pre>, not the output areas.
UNSEARCHED = re.compile(r'<div class="jp-RenderedText[^"]*"[^>]*>\s*<pre'
                        r'|<div class="(?:jp-InputPrompt|jp-OutputPrompt|clipboard-copy-txt)\b[^"]*"'
                        r'|<span class="notice"')
CSS_DIR = "assets/jupyter"  # in the built site
CELL_TIMEOUT = 600  # seconds; a cell that runs longer fails the build
log = logging.getLogger("mkdocs.hooks.notebooks")


def _sibling(name):
    """Import tools/hooks/<name>.py (a helper module beside this hook, not a hook itself)."""
    spec = importlib.util.spec_from_file_location(f"dlnotes_hooks_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


buildcache = _sibling("buildcache")


class NotebookPage(File):
    """A localized .ipynb file that MkDocs should treat as a documentation page."""

    def is_documentation_page(self):
        return True


def _patch_i18n():
    from mkdocs_static_i18n import suffix

    original = suffix.create_i18n_file
    if getattr(original, "keeps_notebooks", False):
        return

    def create_i18n_file(file, current_language, default_language, all_languages, config):
        if not file.src_uri.endswith(".ipynb"):
            return original(file, current_language, default_language, all_languages, config)
        # Let the plugin place a .md twin, then point that page back at the notebook source.
        twin = File(file.src_uri[: -len(".ipynb")] + ".md", config.docs_dir, config.site_dir,
                    config.use_directory_urls)
        page = original(twin, current_language, default_language, all_languages, config)
        page.src_uri = file.src_uri
        page.abs_src_path = file.abs_src_path
        page.norm_src_uri = page.norm_src_uri[: -len(".md")] + ".ipynb"
        page.__class__ = NotebookPage
        return page

    create_i18n_file.keeps_notebooks = True
    suffix.create_i18n_file = create_i18n_file


# ---- executing notebooks ------------------------------------------------------------------------


class NotebookError(Exception):
    """A notebook cell raised, or printed a missing-glyph warning."""


def execute(path, label=None):
    """Run every cell of the notebook at ``path`` in a fresh kernel; return the executed notebook.

    Runs in the notebook's folder, like Jupyter. Raises NotebookError naming the cell when one
    raises or when an output reports a glyph missing from the font (Korean drawn as boxes).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    label = label or path.name
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    # The kernel's own log says only that it listens on loopback TCP: errors still show.
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        client.execute()
    except CellExecutionError as err:
        raise NotebookError(f"{label}: a cell raised:\n{err}") from None
    for n, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            match = GLYPH_MISSING.search(text)
            if match:
                raise NotebookError(f"{label}, cell {n}: {match.group(0)} (Korean text drawn as boxes)")
    return nb


class _Execution(threading.Thread):
    """A notebook executing in the background (its kernel is a process of its own)."""

    def __init__(self, path, label):
        super().__init__(name=f"notebook {label}", daemon=True)
        self.path, self.label, self.text, self.error = path, label, None, None
        self.start()

    def run(self):
        import nbformat

        try:
            start = time.perf_counter()
            self.text = nbformat.writes(execute(self.path, self.label))
            log.info("executed %s in %.1f s", self.label, time.perf_counter() - start)
        except Exception as err:  # re-raised in the build when it gets to this notebook
            self.error = err


# One build, and the other languages' builds mkdocs-static-i18n runs inside it, share this.
_STATE = {"depth": 0, "fingerprint": None, "cache": None, "workdir": None, "sources": {}, "running": {}}


def _workdir():
    """A folder for the executed copies mkdocs-jupyter renders (removed when the process ends)."""
    if _STATE["workdir"] is None:
        _STATE["workdir"] = Path(tempfile.mkdtemp(prefix="dlnotes-notebooks-"))
        atexit.register(shutil.rmtree, _STATE["workdir"], ignore_errors=True)
    return _STATE["workdir"]


def _key(path, label):
    if _STATE["cache"] and _STATE["fingerprint"] is None:
        # A notebook's key covers every module of the package, not just those it imports.
        _STATE["fingerprint"] = buildcache.key(buildcache.fingerprint([__file__]), buildcache.sources_digest())
    # Without the cache, a key only has to match this build's background executions.
    return buildcache.key(_STATE["fingerprint"] if _STATE["cache"] else "this build", "notebook", label,
                          Path(path).read_text(encoding="utf-8"))


def _cached(label, key):
    return _STATE["cache"].get(label, key) if _STATE["cache"] and _STATE["cache"].readable else None


def start_executions(docs_dir):
    """Start executing, in the background, every notebook under docs_dir not in the cache."""
    for path in sorted(Path(docs_dir).rglob("*.ipynb")):
        label = path.relative_to(docs_dir).as_posix()
        if ".ipynb_checkpoints" in path.parts:
            continue
        key = _key(path, label)
        if key not in _STATE["running"] and _cached(label, key) is None:
            _STATE["running"][key] = _Execution(path, label)


def executed_copy(path, label):
    """Path of an executed copy of the notebook (same file name), from the cache when possible."""
    import nbformat

    key = _key(path, label)
    text = _cached(label, key)
    if text is None:
        execution = _STATE["running"].pop(key, None)
        if execution is not None:
            execution.join()
            if execution.error is not None:
                raise execution.error
            text = execution.text
        else:
            start = time.perf_counter()
            text = nbformat.writes(execute(path, label))
            log.info("executed %s in %.1f s", label, time.perf_counter() - start)
        if _STATE["cache"]:
            _STATE["cache"].put(label, key, text)
    else:
        log.info("%s: executed notebook from the cache", label)
    folder = _workdir() / hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    folder.mkdir(exist_ok=True)
    target = folder / Path(path).name
    if not target.exists():
        partial = folder / f".{target.name}.part"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    return target


# ---- the shared notebook stylesheet ------------------------------------------------------------


def move_styles_to_file(html, site_dir, page_dir):
    """Replace the page's <style> blocks by a <link> to one file with the same CSS, in order.

    mkdocs-jupyter 0.26 also appends its CSS list as a Python repr (``['pre {...', ...]``): not
    CSS, a copy of the first sheet; it is dropped. Returns the new HTML and the file's path in
    the site (None when the page has no style).
    """
    sheets = [m.group("css").strip() for m in STYLE.finditer(html)]
    sheets = [css for css in sheets if css and not css.startswith("[")]
    if not sheets:
        return html, None
    css = "\n".join(re.sub(r'^@charset "[^"]*";', "", css) for css in sheets)  # only valid first
    css = '@charset "UTF-8";\n' + css + "\n"
    path = f"{CSS_DIR}/notebook.{hashlib.sha256(css.encode('utf-8')).hexdigest()[:12]}.css"
    target = Path(site_dir) / path
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(css)
        os.chmod(partial, 0o644)  # mkstemp makes it private; the site is public
        os.replace(partial, target)
    href = posixpath.relpath(path, page_dir or ".")
    link = f'<link rel="stylesheet" href="{href}">\n'
    first = True

    def replace(match):
        nonlocal first
        keep, first = (link if first else ""), False
        return keep

    return STYLE.sub(replace, html), path


# ---- MkDocs hook -------------------------------------------------------------------------------


def on_config(config):
    _patch_i18n()
    return config


def on_pre_build(config):
    if _STATE["depth"] == 0:  # a fresh build, or a rebuild of `mkdocs serve`: inputs may have changed
        _STATE.update(fingerprint=None, running={}, sources={})
        _STATE["cache"] = buildcache.open_cache()
        start_executions(config.docs_dir)  # every language's notebooks, beside the Markdown pages
    _STATE["depth"] += 1


@event_priority(-200)  # after mkdocs-static-i18n's (-100), which builds the other languages
def on_post_build(config):
    _STATE["depth"] = max(0, _STATE["depth"] - 1)


def on_build_error(error):
    _STATE["depth"] = 0


def on_pre_page(page, config, files):
    # Runs after mkdocs-jupyter's on_pre_page, whose render() reads page.file.abs_src_path.
    if not page.file.src_uri.endswith(".ipynb"):
        return page
    original = page.file.abs_src_path
    try:
        page.file.abs_src_path = str(executed_copy(original, page.file.src_uri))
    except NotebookError as err:
        raise PluginError(str(err)) from None
    _STATE["sources"][page.file.src_uri] = original
    if _STATE["cache"] and isinstance(config.plugins.get("mkdocs-jupyter"), BasePlugin):
        _cache_rendering(page, config.plugins["mkdocs-jupyter"].config)
    return page


def _cache_rendering(page, jupyter_config):
    """Reuse mkdocs-jupyter's HTML for an unchanged executed notebook (nbconvert takes ~0.5 s).

    Keyed by the executed notebook, the plugin's settings and the shared fingerprint (which
    covers the nbconvert and mkdocs-jupyter versions and this file).
    """
    from mkdocs.structure.toc import get_toc

    label = page.file.src_uri
    executed = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    settings = repr(sorted((k, repr(v)) for k, v in jupyter_config.items()))
    key = buildcache.key(_STATE["fingerprint"], "notebook-html", label, executed, settings)
    group = f"{label}.html"
    jupyter_render = page.render  # mkdocs-jupyter's: sets content, toc and title

    def render(config, files):
        hit = _STATE["cache"].get(group, key) if _STATE["cache"].readable else None
        if hit is not None:
            page.content, page.toc = hit["content"], get_toc(hit["toc"])
            if hit["title"] is not None:
                page.title = hit["title"]
            return
        title_before = vars(page).get("title")  # set by the nav, or by the render: not computed
        jupyter_render(config, files)
        title = vars(page).get("title")
        title = title if title != title_before else None
        _STATE["cache"].put(group, key, {"content": page.content, "toc": _toc_tokens(page.toc), "title": title})

    page.render = render


def _toc_tokens(toc):
    return [{"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)} for a in toc]


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    match = GLYPH_MISSING.search(html)
    if match:
        raise PluginError(f"{page.file.src_uri}: {match.group(0)} (Korean text drawn as boxes)")
    html = SCRIPT.sub(lambda m: "" if OFFSITE.search(m.group(0)) else m.group(0), html)
    html, _ = move_styles_to_file(html, config.site_dir, posixpath.dirname(page.file.dest_uri))
    html = UNSEARCHED.sub(lambda m: m.group(0) + " data-search-exclude", html)
    lang = getattr(page.file, "locale", "ko")
    for n in range(1, html.count(NO_ALT) + 1):
        html = html.replace(NO_ALT, f'alt="{page.title}: {FIGURE.get(lang, "Figure")} {n}"', 1)
    name = PurePosixPath(page.file.src_uri).name
    link = (f'<p class="dl-download"><a href="{name}" download>'
            f'{DOWNLOAD.get(lang, DOWNLOAD["en"])}</a></p>')
    return link + html


def on_post_page(output, page, config):
    # mkdocs-jupyter (include_source) has just copied the executed copy beside the page: the
    # download is the committed notebook, without outputs, so put that back.
    original = _STATE["sources"].pop(page.file.src_uri, None)
    if original is not None:
        shutil.copyfile(original, Path(page.file.abs_dest_path).parent / Path(original).name)
        page.file.abs_src_path = original
    return output
