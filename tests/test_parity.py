"""The Korean and English versions of every page stay twins.

* every page (lesson, notebook or other) exists in both languages;
* both versions have the same headings with the same ids (Korean headings carry the English
  ids, ``## 결정 경계 { #decision-boundary }``), checked in the sources and in the built HTML;
* both versions have the same code blocks: they may differ only in comments, string literals
  and ``use_korean_font()`` lines (Python is compared token by token with Python's
  ``tokenize``; other blocks after the same idea, ``#`` comments and quoted strings removed).

``python tools/heading_ids.py`` fixes missing Korean heading ids.
"""

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

from conftest import DOCS, ROOT, built_soup

import importlib.util

_spec = importlib.util.spec_from_file_location("heading_ids", ROOT / "tools" / "heading_ids.py")
heading_ids = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(heading_ids)


def pages(docs=DOCS):
    """Every page source under docs (Markdown and notebooks), includes excepted."""
    return sorted(p for p in docs.rglob("*") if p.suffix in (".md", ".ipynb")
                  and "includes" not in p.relative_to(docs).parts)


def korean_pages(docs=DOCS):
    return [p for p in pages(docs) if ".ko." in p.name]


def rel(path):
    return str(path.relative_to(DOCS)) if DOCS in path.parents else path.name


def twin(path):
    return heading_ids.twin(path)


# ---- sources: includes expanded ----------------------------------------------------------------

INCLUDE_MD = re.compile(r'^[ \t]*--8<--[ \t]+"(?P<file>[^"]+\.md)(?::(?P<section>[\w-]+))?"[ \t]*$', re.M)


def expanded(path, root=ROOT):
    """The page's Markdown with ``--8<-- "FILE.md:section"`` lines replaced by that text."""
    text = path.read_text(encoding="utf-8")

    def include(m):
        lines = (root / m["file"]).read_text(encoding="utf-8").splitlines()
        if not m["section"]:
            return "\n".join(lines)
        marks = [i for i, line in enumerate(lines)
                 if re.search(rf"--8<-- \[(start|end):{re.escape(m['section'])}\]", line)]
        assert len(marks) == 2, f"{path.name}: section {m['section']!r} of {m['file']} not found"
        return "\n".join(lines[marks[0] + 1 : marks[1]])

    return INCLUDE_MD.sub(include, text)


# ---- code blocks -------------------------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)\s*$")
SNIPPET = re.compile(r'^[ \t]*--8<--[ \t]+"(?P<target>[^"]+)"[ \t]*$')


def fenced_blocks(markdown):
    """``(language, code)`` of every fenced code block, in order (nested ones too)."""
    blocks, lines, i = [], markdown.splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], m["indent"]
        lang = (re.match(r"\{?\s*\.?([\w+-]*)", m["info"]).group(1) or "text").lower()
        body, i = [], i + 1
        while i < len(lines) and not re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        blocks.append((lang, "\n".join(body)))
        i += 1
    return blocks


def code_blocks(path, root=ROOT):
    """``(language, code)`` of the page's code: fenced blocks, or a notebook's code cells."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return [("python", "".join(c["source"])) for c in cells if c["cell_type"] == "code"]
    return fenced_blocks(expanded(path, root))


STRING_TYPES = {tokenize.STRING}
FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+: f-strings are split
FSTRING_END = getattr(tokenize, "FSTRING_END", None)
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


def python_tokens(code):
    """The block's tokens without comments; every string (f-strings too) one ``<str>`` token.

    ``--8<--`` lines stay whole (the embedded section must be the same), lines that mention
    ``use_korean_font`` are dropped, and adjacent strings count as one.
    """
    out = []
    segment = []

    def flush():
        source = "\n".join(segment) + "\n"
        segment.clear()
        depth = 0
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if FSTRING_START is not None and tok.type == FSTRING_START:
                if depth == 0 and out[-1:] != ["<str>"]:
                    out.append("<str>")
                depth += 1
                continue
            if FSTRING_END is not None and tok.type == FSTRING_END:
                depth -= 1
                continue
            if depth or tok.type in SKIPPED:
                continue
            if tok.type in STRING_TYPES:
                if out[-1:] != ["<str>"]:
                    out.append("<str>")
                continue
            out.append(tok.string if tok.type != tokenize.NEWLINE else "\\n")

    for line in code.splitlines():
        m = SNIPPET.match(line)
        if m:
            flush()
            out.append(f"--8<-- {m['target']}")
        elif "use_korean_font" not in line:
            segment.append(line)
    flush()
    return out


QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def other_tokens(code):
    """A non-Python block, without ``#`` comments, quoted strings as ``<str>``, spaces evened."""
    out = []
    for line in code.splitlines():
        line = QUOTED.sub("<str>", line)
        line = re.sub(r"(^|\s)#.*$", "", line).split()
        if line:
            out.append(" ".join(line))
    return out


def normalized(lang, code):
    if lang in ("python", "py", "python3", "pycon"):
        try:
            return python_tokens(code)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            return other_tokens(code)
    return other_tokens(code)


def code_differences(ko, en, root=ROOT):
    """Sentences describing how the two pages' code blocks differ beyond the allowed."""
    a, b = code_blocks(ko, root), code_blocks(en, root)
    if len(a) != len(b):
        return [f"{len(a)} code blocks in {ko.name}, {len(b)} in {en.name}"]
    problems = []
    for n, ((lang_a, code_a), (lang_b, code_b)) in enumerate(zip(a, b), 1):
        if lang_a != lang_b:
            problems.append(f"block {n}: {lang_a} vs {lang_b}")
            continue
        ta, tb = normalized(lang_a, code_a), normalized(lang_b, code_b)
        if ta != tb:
            k = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
            problems.append(f"block {n} ({lang_a}) differs at token {k}: "
                            f"{' '.join(ta[max(0, k - 6):k + 6])!r} vs {' '.join(tb[max(0, k - 6):k + 6])!r}")
    return problems


# ---- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", pages(), ids=rel)
def test_every_page_exists_in_both_languages(page):
    suffixes = page.suffixes
    assert len(suffixes) >= 2 and suffixes[-2] in (".ko", ".en"), f"{rel(page)}: name pages page.ko.md / page.en.md"
    assert twin(page).exists(), f"{rel(page)} has no {twin(page).name}"


@pytest.mark.parametrize("ko", [p for p in korean_pages() if p.suffix == ".md"], ids=rel)
def test_headings_have_the_same_ids_in_the_sources(ko):
    en = twin(ko)
    ko_text, en_text = expanded(ko), expanded(en)
    problem = heading_ids.mismatch(ko_text, en_text)
    assert problem is None, f"{rel(ko)} and {en.name} have different headings: {problem}"
    missing = [text for _, _, text, explicit, _ in heading_ids.headings(ko_text)
               if explicit is None and re.search(r"[가-힣]", text)]
    assert not missing, f"Korean headings without an English id (run python tools/heading_ids.py): {missing}"
    assert heading_ids.heading_ids(ko_text) == heading_ids.heading_ids(en_text)


@pytest.mark.parametrize("ko", korean_pages(), ids=rel)
def test_code_blocks_differ_only_in_comments_and_strings(ko):
    problems = code_differences(ko, twin(ko))
    assert not problems, f"{rel(ko)} vs {twin(ko).name}:\n" + "\n".join(problems)


def built_page(site, path):
    """The built HTML of a page source under docs (Korean at the root, English under en/)."""
    name = str(path.relative_to(DOCS)).split(".")[0]
    base = site / "en" if ".en." in path.name else site
    return base / ("index.html" if name == "index" else f"{name}/index.html")


def built_heading_ids(html_path):
    soup = built_soup(html_path)
    article = soup.select_one("article") or soup
    return [h.get("id") for h in article.select("h2, h3, h4, h5, h6")]


@pytest.mark.build
def test_built_pages_have_the_same_heading_ids(built_site):
    site = built_site[0]
    problems = []
    for ko in korean_pages():
        ids_ko, ids_en = built_heading_ids(built_page(site, ko)), built_heading_ids(built_page(site, twin(ko)))
        if ids_ko != ids_en:
            problems.append(f"{rel(ko)}: {ids_ko} vs {ids_en}")
    assert not problems, "\n".join(problems)


# ---- the checks themselves ---------------------------------------------------------------------


def test_tokens_ignore_comments_strings_and_the_korean_font():
    ko = 'from dlnotes.plotting import use_korean_font\nuse_korean_font()\nx = f"손실 {a:.3f}"  # 한국어\nprint("값", x)\n'
    en = 'x = f"loss {a:.3f}"  # English\nprint("value" " and more", x)\n'
    assert python_tokens(ko) == python_tokens(en)


def test_tokens_see_a_changed_name_number_or_snippet():
    base = 'y = softmax(x, axis=1)\n--8<-- "dlnotes/activations.py:softmax"\n'
    assert python_tokens(base) != python_tokens(base.replace("axis=1", "axis=0"))
    assert python_tokens(base) != python_tokens(base.replace("softmax(", "sigmoid("))
    assert python_tokens(base) != python_tokens(base.replace(":softmax", ":sigmoid"))


def test_other_blocks_ignore_comments_and_quoted_text():
    assert other_tokens('pip install -e ".[korean]"   # 한국어 설명') == other_tokens('pip install -e ".[x]"  # why')
    assert other_tokens("dlnotes classify a.png") != other_tokens("dlnotes classify b.png")


def test_a_missing_twin_a_changed_id_and_changed_code_are_caught(tmp_path):
    (tmp_path / "lessons").mkdir()
    ko = tmp_path / "lessons" / "99-x.ko.md"
    en = tmp_path / "lessons" / "99-x.en.md"
    ko.write_text("# 가\n\n## 나 { #b }\n\n```python\nx = 1  # 하나\n```\n", encoding="utf-8")
    assert not twin(ko).exists()
    en.write_text("# A\n\n## B { #b }\n\n```python\nx = 1  # one\n```\n", encoding="utf-8")
    assert code_differences(ko, en) == []
    assert heading_ids.heading_ids(ko.read_text()) == heading_ids.heading_ids(en.read_text())
    en.write_text("# A\n\n## Bee\n\n```python\nx = 2\n```\n", encoding="utf-8")
    assert heading_ids.heading_ids(ko.read_text()) != heading_ids.heading_ids(en.read_text())
    assert code_differences(ko, en)


def test_the_heading_tool_gives_korean_headings_the_english_ids():
    en = "# T\n\n## Softmax function\n\n### Batches { #batch }\n\n```python\n## not a heading\n```\n"
    ko = "# 제목\n\n## 소프트맥스 함수\n\n### 배치 { #배치 .wide }\n\n```python\n## 제목 아님\n```\n"
    fixed = heading_ids.fix(ko, en)
    assert "## 소프트맥스 함수 { #softmax-function }\n" in fixed
    assert "### 배치 { #batch .wide }\n" in fixed and "## 제목 아님\n" in fixed
    assert heading_ids.mismatch(ko, en) is None
    assert heading_ids.mismatch(ko.replace("### 배치", "## 배치"), en)
