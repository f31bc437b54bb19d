"""Fill in the glossary's lesson column from the lesson pages themselves.

MkDocs hook (see ``hooks:`` in mkdocs.yml), also imported by ``tests/test_rendered.py``.

``docs/includes/glossary-table.md`` holds the terms, two columns (English | 한국어). Where a
glossary page includes it (a line ``--8<-- "docs/includes/glossary-table.md"``), this hook puts
the table in with a third column: a link to the **first lesson whose page uses one of the row's
terms**. Nobody types that number, so it cannot go stale when a lesson is added or rewritten.

What "a page uses a term" means, precisely:

* A row's terms are its cells split at `` / ``, at ``, `` and after ``:``; a parenthesis right
  after a phrase names the same thing (``과대적합(오버피팅)`` gives 과대적합 and 오버피팅;
  ``오프라인(배치) 추론`` gives 오프라인 추론 and 배치 추론), except a parenthesis that lists
  examples (``(AND, OR, NAND, XOR)``, ``(Xavier, He)``), which is left out.
* Lesson NN's pages are ``docs/lessons/NN-*.ko.md`` and ``NN-*.en.md``. Only their prose counts:
  code blocks, inline code, link targets, HTML comments and tags and ``{ ... }`` attribute lists
  are removed first.
* The Korean page uses a Korean term when the term starts a word: any particle or ending may
  follow (퍼셉트론은, 편향을, 학습률). The English page uses an English term when it appears as
  a whole word, case-insensitive, plural ``s``/``es`` allowed. A Korean-column term written in
  Latin letters (ReLU, SGD, Adam) is matched like an English one, on the Korean page.
* A row is used by lesson NN when the Korean page uses one of its Korean terms or the English
  page uses one of its English terms; the row links the smallest such NN. A row that no lesson
  uses yet is left out of the table and named in a line below it (so every row has a link).
"""

import functools
import re
from pathlib import Path

INCLUDE = "docs/includes/glossary-table.md"
INCLUDE_LINE = re.compile(r'^[ \t]*--8<--[ \t]+"docs/includes/glossary-table\.md"[ \t]*$', re.M)
LESSON_NAME = re.compile(r"^(?P<nn>\d{2})-(?P<slug>[\w-]+)\.(?P<lang>ko|en)\.md$")
HEADER = "| English | 한국어 | 강의 · Lesson |\n|---|---|---|"


# ---- the table ---------------------------------------------------------------------------------


def read_rows(text):
    """The (English, Korean) cells of every row of the two-column terms table in ``text``."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 2 or set(cells[0]) <= set("-: ") or cells == ["English", "한국어"]:
            continue
        rows.append((cells[0], cells[1]))
    return rows


def _split_outside_parens(text, separators):
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        sep = next((s for s in separators if depth == 0 and text.startswith(s, i)), None)
        if sep:
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def variants(cell):
    """Every term a glossary cell names, as a reader would search for it (see the module doc)."""
    terms = []
    for part in _split_outside_parens(cell, (" / ", ", ", ": ")):
        m = re.fullmatch(r"(?P<head>[^()]*?)\s*\((?P<alias>[^()]*)\)(?P<rest>[^()]*)", part)
        if not m:
            terms.append(part)
            continue
        head, alias, rest = m["head"].strip(), m["alias"].strip(), m["rest"].rstrip()
        terms.append(head + rest)
        if "," not in alias:  # "(AND, OR, NAND, XOR)" lists examples, not another name
            terms.append(alias + rest)
    return list(dict.fromkeys(t for t in terms if t))


# ---- the pages ---------------------------------------------------------------------------------

FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def prose(markdown):
    """The page's prose: Markdown without code, link targets, comments, tags and attributes."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        if re.match(r"^[ \t]*--8<--", line):
            continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"(`+).+?\1", " ", text, flags=re.S)  # inline code
    text = re.sub(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)", "] ", text)  # link and image targets
    text = re.sub(r"^\s*\[[^\]]+\]:\s+\S+.*$", " ", text, flags=re.M)  # reference definitions
    text = re.sub(r"<[^>\n]+>", " ", text)  # HTML tags (their text stays)
    text = re.sub(r"\{\s*[#.:][^{}\n]*\}", " ", text)  # attribute lists { #id } { .class }
    return text


def _is_latin(term):
    return not re.search(r"[가-힣]", term)


def term_pattern(term, lang):
    """A regex for ``term`` used in prose of a ``lang`` page (see the module doc)."""
    words = [re.escape(w) for w in term.split()]
    body = r"\s+".join(words)  # a term may wrap onto the next line
    if lang == "en" or _is_latin(term):
        return re.compile(rf"(?<![\w-]){body}(?:s|es)?(?![\w-])", re.I)
    return re.compile(rf"(?<![가-힣\w]){body}")  # a word start; particles and endings may follow


def uses(text, terms, lang):
    """Whether prose ``text`` of a ``lang`` page uses one of ``terms``."""
    return any(term_pattern(t, lang).search(text) for t in terms)


def lesson_pages(docs_dir):
    """``{NN: {"slug": "NN-slug", "ko": path, "en": path}}`` for the lesson pages under docs."""
    lessons = {}
    for path in sorted((Path(docs_dir) / "lessons").glob("*.md")):
        m = LESSON_NAME.match(path.name)
        if m:
            entry = lessons.setdefault(int(m["nn"]), {"slug": f"{m['nn']}-{m['slug']}"})
            entry[m["lang"]] = path
    return lessons


def first_lessons(rows, texts):
    """For each (English, Korean) row, the first lesson number whose prose uses it, or None.

    ``texts`` maps lesson number -> {"ko": prose, "en": prose}.
    """
    found = []
    for english, korean in rows:
        ko_terms, en_terms = variants(korean), variants(english)
        found.append(next((nn for nn in sorted(texts)
                           if uses(texts[nn].get("ko", ""), ko_terms, "ko")
                           or uses(texts[nn].get("en", ""), en_terms, "en")), None))
    return found


NOT_YET = {
    "ko": "아직 어느 강의에도 나오지 않는 용어(이 용어를 쓰는 강의는 준비 중입니다): ",
    "en": "Terms no lesson uses yet (their lessons are still coming): ",
}


@functools.lru_cache(maxsize=2)  # both languages' glossary pages, and a rebuild with no change
def _first_lessons_of(rows, pages):
    """:func:`first_lessons` of the rows, given the lesson pages' (number, language, Markdown)."""
    texts = {}
    for nn, lang, markdown in pages:
        texts.setdefault(nn, {})[lang] = prose(markdown)
    return first_lessons(list(rows), texts)


def build_table(docs_dir, root, lang="ko"):
    """The glossary table in Markdown, its lesson column computed from the lesson pages.

    Every row of the table links a lesson; rows that no lesson uses yet are listed in a line
    below it instead.
    """
    rows = read_rows((Path(root) / INCLUDE).read_text(encoding="utf-8"))
    lessons = lesson_pages(docs_dir)
    pages = tuple((nn, lang, entry[lang].read_text(encoding="utf-8"))
                  for nn, entry in sorted(lessons.items()) for lang in ("ko", "en") if lang in entry)
    lines, waiting = [HEADER], []
    for (english, korean), nn in zip(rows, _first_lessons_of(tuple(rows), pages)):
        if nn is None:
            waiting.append(f"{english} · {korean}")
        else:
            lines.append(f"| {english} | {korean} | [{nn}](lessons/{lessons[nn]['slug']}.md) |")
    if waiting:
        lines += ["", NOT_YET.get(lang, NOT_YET["en"]) + "; ".join(waiting) + "."]
    return "\n".join(lines)


# ---- MkDocs hook -------------------------------------------------------------------------------


def on_page_markdown(markdown, page, config, files):
    if not INCLUDE_LINE.search(markdown):
        return markdown
    lang = getattr(page.file, "locale", None) or Path(page.file.src_uri).suffixes[-2].lstrip(".")
    table = build_table(config["docs_dir"], Path(config["config_file_path"]).parent, lang)
    return INCLUDE_LINE.sub(lambda _: table, markdown)
