"""Korean notebook headings get the English notebook's ids, as Korean Markdown headings do.

MkDocs hook (see ``hooks:`` in mkdocs.yml). Markdown pages write ``## 그래프 { #graphs }``;
a notebook's Markdown cells cannot carry attributes, and mkdocs-jupyter makes ids from the
ASCII letters of a heading only: ``## 2. 그래프`` gets the id ``2`` in the page but ``_2`` in the
page's table of contents (another slugify), so the Korean notebook's contents links, and
Material's "skip to content" link, pointed nowhere. This hook pairs the headings of
``name.ko.ipynb`` with those of ``name.en.ipynb`` in order and gives each Korean heading, its
permalink and its table-of-contents entry the English id. If the two notebooks' headings
differ in number or level, the page is left alone (tests/test_parity.py reports it).
"""

import json
import re
from pathlib import Path

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
HTML_HEADING = re.compile(r"<h(?P<level>[1-6])(?P<before>[^>]*?)\bid=\"(?P<id>[^\"]*)\"(?P<after>[^>]*)>")


def notebook_headings(path):
    """``(level, text)`` of every Markdown heading in the notebook's Markdown cells, in order."""
    found = []
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fence = None
        for line in "".join(cell["source"]).splitlines():
            m = FENCE.match(line)
            if fence:
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
                continue
            if m:
                fence = m.group(1)
                continue
            h = MD_HEADING.match(line)
            if h:
                found.append((len(h.group(1)), h.group(2)))
    return found


def english_id(text):
    """The id mkdocs-jupyter gives an English heading (its own slugify, then nbconvert's)."""
    from mkdocs_jupyter.utils import slugify
    from nbconvert.filters.strings import _convert_header_id

    return _convert_header_id(slugify(re.sub(r"[*_`]", "", text)))


def _toc_items(items):
    for item in items:
        yield item
        yield from _toc_items(item.children)


def on_page_content(html, page, config, files):
    src = Path(config["docs_dir"]) / page.file.src_uri  # the source, even if an executed copy is rendered
    m = re.fullmatch(r"(?P<stem>.+)\.(?P<lang>[a-z]{2})\.ipynb", src.name)
    if not m or m["lang"] == "en":
        return html
    twin = src.with_name(f"{m['stem']}.en.ipynb")
    if not twin.exists():
        return html
    mine, theirs = notebook_headings(src), notebook_headings(twin)
    found = list(HTML_HEADING.finditer(html))
    if [lvl for lvl, _ in mine] != [lvl for lvl, _ in theirs] or len(found) != len(theirs):
        return html
    ids = [english_id(text) for _, text in theirs]
    renamed = {}
    out, pos = [], 0
    for match, new in zip(found, ids):
        renamed.setdefault(match["id"], new)
        out.append(html[pos:match.start()])
        out.append(f'<h{match["level"]}{match["before"]}id="{new}"{match["after"]}>')
        pos = match.end()
        # the heading's own permalink, up to its closing tag
        close = html.find(f"</h{match['level']}>", pos)
        out.append(html[pos:close].replace(f'href="#{match["id"]}"', f'href="#{new}"'))
        pos = close
    out.append(html[pos:])
    toc = list(_toc_items(page.toc)) if page.toc else []
    if len(toc) == len(ids):
        for item, new in zip(toc, ids):
            item.id = new
    return "".join(out)
