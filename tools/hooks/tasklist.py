"""Give the check boxes of task lists an accessible name (MkDocs hook).

pymdownx.tasklist renders ``- [ ] item`` as ``<label><input type="checkbox" disabled>...</label>
item``: the label holds only the box, so a screen reader announces an unnamed check box, and
Lighthouse counts "form elements do not have associated labels" against the page (the contributing
page's pull-request checklist). Each box gets the item's own text as its ``aria-label``.
"""

import html
import re

BOX = re.compile(
    r'(<li class="task-list-item"><label class="task-list-control"><input type="checkbox"(?: disabled)?'
    r'(?: checked)?)(\s*/?>)(.*?</label>)(.*?)(?=<ul|<ol|</li>)', re.S)
TAG = re.compile(r"<[^>]+>")


def item_text(fragment):
    """Plain text of an HTML fragment, whitespace collapsed, at most 120 characters."""
    text = " ".join(html.unescape(TAG.sub("", fragment)).split())
    return text if len(text) <= 120 else text[:119] + "…"


def name_boxes(page_html):
    """Return ``page_html`` with an ``aria-label`` on every task-list check box that has none."""
    def label(match):
        box, end, rest, text = match.groups()
        if "aria-label" in box:
            return match.group(0)
        return f'{box} aria-label="{html.escape(item_text(text), quote=True)}"{end}{rest}{text}'

    return BOX.sub(label, page_html)


def on_page_content(page_html, page, config, files):
    if "task-list-item" not in page_html:
        return page_html
    return name_boxes(page_html)
