"""Render the pages' LaTeX formulas to MathML at build time (MkDocs hook).

pymdownx.arithmatex (generic mode) wraps each formula as ``<span class="arithmatex">\\(...\\)</span>``
or ``<div class="arithmatex">\\[...\\]</div>``; this hook replaces them with MathML, which
browsers draw natively. No MathJax or KaTeX is loaded, from a CDN or at all: pages stay light,
work offline and show formulas without JavaScript.
"""

import functools
import html
import re

from latex2mathml.converter import convert

INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.S)
DISPLAY = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)


@functools.lru_cache(maxsize=None)  # formulas recur: on a page, in both languages, in every rebuild
def to_mathml(tex, display):
    """Return the MathML for one formula; ValueError names the formula that failed."""
    try:
        mathml = convert(html.unescape(tex).strip(), display="block" if display else "inline")
    except Exception as err:  # latex2mathml raises many types for unsupported input
        raise ValueError(f"cannot render formula {tex!r}: {err}") from None
    alttext = html.escape(html.unescape(tex).strip(), quote=True)  # the source, for copy and a11y
    return mathml.replace("<math ", f'<math alttext="{alttext}" ', 1)


def render_math(page_html):
    """Replace every arithmatex formula in the HTML by MathML."""
    page_html = DISPLAY.sub(lambda m: f'<div class="dl-math">{to_mathml(m["tex"], True)}</div>', page_html)
    return INLINE.sub(lambda m: to_mathml(m["tex"], False), page_html)


def on_page_content(html_content, page, config, files):
    from mkdocs.exceptions import PluginError

    try:
        return render_math(html_content)
    except ValueError as err:
        raise PluginError(f"{page.file.src_uri}: {err}") from None
