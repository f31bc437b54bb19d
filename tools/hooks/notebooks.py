"""Make notebooks work with mkdocs-static-i18n, offline (MkDocs hook).

1. mkdocs-static-i18n rebuilds the file list after mkdocs-jupyter has marked notebooks as pages,
   and copies ``lesson.ko.ipynb`` / ``lesson.en.ipynb`` as raw files instead of rendering them
   (ultrabug/mkdocs-static-i18n#198). We wrap the plugin's file factory so a localized notebook
   stays a documentation page, with the URL a Markdown page of the same name would get: each
   language then renders its own notebook and the language switcher links the pair.
2. nbconvert's template loads MathJax and mermaid from a CDN; this site makes no third-party
   request, so those scripts are removed (notebooks keep formulas in the Markdown lessons).
3. Each notebook page gets a link to download its .ipynb (mkdocs-jupyter copies the file).
4. A matplotlib "Glyph ... missing" warning in a notebook's output fails the build.
5. Figures get alt text naming the notebook and the figure number, instead of nbconvert's
   "No description has been provided for this image".
"""

import re
from pathlib import PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

FIGURE = {"ko": "그림", "en": "Figure"}
NO_ALT = 'alt="No description has been provided for this image"'
DOWNLOAD = {"ko": "노트북 파일 내려받기 (.ipynb)", "en": "Download this notebook (.ipynb)"}
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
# nbconvert's scripts for MathJax (an empty or CDN src) and mermaid (imported from a CDN)
OFFSITE = re.compile(r'src="(https?://[^"]*)?"|import\("https?://|x-mathjax-config', re.I)
GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from (current )?font")


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


def on_config(config):
    _patch_i18n()
    return config


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    match = GLYPH_MISSING.search(html)
    if match:
        raise PluginError(f"{page.file.src_uri}: {match.group(0)} (Korean text drawn as boxes)")
    html = SCRIPT.sub(lambda m: "" if OFFSITE.search(m.group(0)) else m.group(0), html)
    lang = getattr(page.file, "locale", "ko")
    for n in range(1, html.count(NO_ALT) + 1):
        html = html.replace(NO_ALT, f'alt="{page.title}: {FIGURE.get(lang, "Figure")} {n}"', 1)
    name = PurePosixPath(page.file.src_uri).name
    link = (f'<p class="dl-download"><a href="{name}" download>'
            f'{DOWNLOAD.get(lang, DOWNLOAD["en"])}</a></p>')
    return link + html
