"""Worked solutions are put into the page when the reader opens them (MkDocs hook).

Every exercise has a collapsed worked solution (``??? success "풀이"`` / ``"Solution"``): prose,
code, its output, math; a fifth of a lesson's elements. Closed, none of it shows, yet the phone
still builds and sets up every element of it before the page is ready: with them, the English
lesson 10 scored 91-93 for Lighthouse performance (LCP 2.2 s), without them 96-99 (LCP 1.4 s).
So the body of each solution goes into a ``<template class="dl-solution">`` (parsed, but inert),
and a few lines of script put it into the page the first time the reader opens the solution.
Material adds its copy buttons to the code blocks it finds when it sets up the page, before
that: each block of a solution gets the same button here, which Material's one click handler
for all copy buttons serves.

Material's search index is made from the HTML with a parser that reads the template's content as
ordinary markup, so solutions stay searchable; the tests read pages the same way
(``tests/conftest.py``: ``page_soup``).
"""

import itertools
import re

SOLUTION = re.compile(r'<details class="success">\s*(<summary>.*?</summary>)(.*?)</details>', re.S)
CODE_BLOCK = re.compile(r'<pre(?: id="([\w-]+)")?><span></span>')
TEMPLATE = '<template class="dl-solution">'
COPY_TITLE = {"ko": "클립보드로 복사", "en": "Copy to clipboard"}  # Material's own words
SCRIPT = (
    "<script>document.addEventListener('toggle',function(e){var d=e.target;"
    "if(d.open&&d.matches&&d.matches('details.dl-lazy')){var t=d.querySelector(':scope>template');"
    "if(t)t.replaceWith(t.content)}},true)</script>"
)


def defer_solutions(page_html, lang="ko"):
    """Return ``page_html`` with each solution's body in a template, and the script once.

    A solution that holds another collapsed block is left as it is (the pattern does not nest).
    """
    title = COPY_TITLE.get(lang, COPY_TITLE["en"])
    numbers = itertools.count(1)

    def button(match):
        # Material numbers the code blocks it finds at load (__code_0, ...); these get their own ids
        block_id = match.group(1) or f"__solution_code_{next(numbers)}"
        return (f'<pre id="{block_id}"><span></span><nav class="md-code__nav"><button class="md-code__button" '
                f'title="{title}" data-clipboard-target="#{block_id} &gt; code" '
                f'data-md-type="copy"></button></nav>')

    deferred = 0

    def defer(match):
        nonlocal deferred
        summary, body = match.groups()
        if "<details" in body or "<template" in body:
            return match.group(0)
        deferred += 1
        return (f'<details class="success dl-lazy">\n{summary}\n'
                f'{TEMPLATE}{CODE_BLOCK.sub(button, body)}</template>\n</details>')

    page_html = SOLUTION.sub(defer, page_html)
    return page_html + SCRIPT if deferred else page_html


def on_page_content(page_html, page, config, files):
    # the language Material writes its own copy buttons' titles in (mkdocs-static-i18n sets it)
    return defer_solutions(page_html, config.theme["language"])
