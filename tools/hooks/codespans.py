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

UNSTYLED = ("n", "w", "p")  # Pygments' classes for names, whitespace, punctuation
INVISIBLE = re.compile(r'<span class="(?:%s)">([^<]*)</span>|<span class="o">(\.)</span>' % "|".join(UNSTYLED))


def unwrap(page_html):
    """Return ``page_html`` with the ``<span>`` of each class in UNSTYLED, and of each attribute
    dot, replaced by its text."""
    return INVISIBLE.sub(lambda match: match[1] if match[1] is not None else match[2], page_html)


def on_page_content(page_html, page, config, files):
    return unwrap(page_html)
