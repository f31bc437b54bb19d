"""Drop the highlighted code's spans that a phone would style for nothing (MkDocs hook).

Pygments wraps every name in ``<span class="n">``, every run of spaces in ``<span class="w">``
and every bracket, comma and dot in ``<span class="p">``. Material colours ``.n`` with
``--md-code-hl-name-color``, which is the code's own text colour (``--md-code-fg-color``) in both
schemes, and gives ``.w`` no style at all, so both render exactly like bare text. ``.p`` only
differs by colour (``--md-code-hl-punctuation-color``, a lighter grey); on this site punctuation
is drawn in the code's text colour instead, the way GitHub draws it, and so is the dot of an
attribute (``<span class="o">.</span>`` in ``np.exp``), which then reads as part of the name, the
way VS Code draws it; the other operators keep their colour. Together they are over a third of a
lesson's elements (lesson 10: 8,600 -> 5,800), and a phone styles and lays out every one of them
before it shows the page.
"""

import re

# Pygments' spans of a name (n), whitespace (w), punctuation (p), and an operator (o) that is a dot
INVISIBLE = re.compile(r'<span class="(?:n|w|p|o(?=">\.<))">([^<]*)</span>')


def unwrap(page_html):
    """Return ``page_html`` with those spans replaced by their text."""
    return INVISIBLE.sub(r"\1", page_html)


def on_page_content(page_html, page, config, files):
    return unwrap(page_html)
