"""The Hangul web font (tools/hooks/fonts.py): small, complete, and fetched only where needed.

A reader without a Korean system font gets NanumGothic cut to the glyphs the site uses, in
unicode-range slices. These tests read the built fonts with fontTools and replay the browser's
choice of @font-face (last declared first; a face is downloaded only for a character inside its
unicode-range, and passes on a character it has no glyph for) over each built page's text.
"""

import io
import json
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import load_hook, page_soup

fonts = load_hook("fonts")

WEB_FONT_BUDGET = 250_000
KOREAN = re.compile(r"[\u1100-\u11ff\u3000-\u303f\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uff00-\uffef]")
CHROME = re.compile(r"[\uac00-\ud7a3]")  # syllables: what must never become empty boxes


def shown_text(html):
    """The text a page can show: its text, its attributes, the strings of its JSON scripts."""
    soup = page_soup(html)
    parts = []
    for script in soup.find_all("script"):
        if script.get("type") == "application/json" and script.string:
            parts.append(json.dumps(json.loads(script.string), ensure_ascii=False))
        script.decompose()
    parts.append(soup.get_text(" "))
    for tag in soup.find_all(True):
        for name in ("title", "aria-label", "placeholder", "alt", "content", "data-md-state"):
            if isinstance(tag.get(name), str):
                parts.append(tag[name])
    return " ".join(parts)


def parse_faces(css, site):
    """The "dlnotes Hangul" @font-face rules of the built CSS, in order: (file, range, cmap)."""
    faces = []
    for body in re.findall(r"@font-face\s*\{([^}]*)\}", css):
        if '"dlnotes Hangul"' not in body:
            continue
        url = re.search(r'url\("([^"]+)"\)', body).group(1)
        codepoints = set()
        for a, b in re.findall(r"U\+([0-9A-F]+)(?:-([0-9A-F]+))?", re.search(r"unicode-range:([^;]+)", body).group(1)):
            codepoints.update(range(int(a, 16), int(b or a, 16) + 1))
        path = Path(site) / "assets" / url
        font = TTFont(io.BytesIO(path.read_bytes()))
        faces.append((path, codepoints, set(font.getBestCmap())))
    return faces


def downloads(chars, faces):
    """Replay the browser: the faces it downloads to draw ``chars``, and the chars left without glyph."""
    fetched, missing = set(), set()
    for ch in chars:
        for path, codepoints, cmap in reversed(faces):
            if ord(ch) in codepoints:
                fetched.add(path)
                if ord(ch) in cmap:
                    break
        else:
            missing.add(ch)
    return fetched, missing


@pytest.fixture(scope="module")
def site(built_site):
    return built_site[0]


@pytest.fixture(scope="module")
def faces(site):
    css = (Path(site) / "assets" / "dlnotes.css").read_text(encoding="utf-8")
    found = parse_faces(css, site)
    assert len(found) == 3, [f[0].name for f in found]
    return found


@pytest.fixture(scope="module")
def page_text(site):
    texts = {}
    for html in sorted(Path(site).rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        if not rel.startswith(("assets/", "overrides/")):
            texts[rel] = shown_text(html.read_text(encoding="utf-8"))
    index = json.loads((Path(site) / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts["search/search_index.json"] = json.dumps(index, ensure_ascii=False)  # search results
    return texts


def test_web_font_draws_every_hangul_character_of_every_page(faces, page_text):
    assert sum(len(CHROME.findall(t)) for t in page_text.values()) > 10_000  # the site is Korean
    for page, text in page_text.items():
        _, missing = downloads(set(KOREAN.findall(text)), faces)
        assert missing == set(), (page, "".join(sorted(missing)))


def test_web_font_is_cut_to_the_site(faces, page_text):
    total = sum(path.stat().st_size for path, _, _ in faces)
    assert total <= WEB_FONT_BUDGET, total
    used = {ord(c) for text in page_text.values() for c in KOREAN.findall(text)}
    glyphs = set().union(*(cmap for _, _, cmap in faces))
    assert glyphs <= used, "".join(chr(c) for c in sorted(glyphs - used)[:40])  # only what pages show
    assert len(glyphs) < 3000, len(glyphs)  # 11,172 syllables in the full font


def test_english_pages_fetch_only_the_small_menu_slice(faces, page_text):
    menu = next(path for path, _, _ in faces if path.name.startswith("hangul-menu"))
    assert menu.stat().st_size < 8_000
    lessons = [p for p in page_text if p.startswith("en/lessons/")]
    assert len(lessons) >= 10
    for page in lessons:
        fetched, _ = downloads(set(KOREAN.findall(page_text[page])), faces)
        assert fetched == {menu}, (page, [p.name for p in fetched])
    # and a Korean lesson needs more than the menu's glyphs
    fetched, _ = downloads(set(KOREAN.findall(page_text["lessons/09-backpropagation/index.html"])), faces)
    assert len(fetched) == 3


# ---- the hook's pieces, on hand-made input ---------------------------------------------------------

def test_unicode_range_merges_runs():
    assert fonts.unicode_range({0xAC00, 0xAC01, 0xAC02, 0xAC05, 0x3001}) == "U+3001, U+AC00-AC02, U+AC05"


def test_slices_split_menu_english_and_korean_glyphs():
    pages = {"en/a.html": ("en", set("한국어용어")), "en/b.html": ("en", set("한국어")),
             "a.html": ("ko", set("한국어가나")), "x.html": ("ko", set())}
    got = fonts.slices(pages, extra=set("다"))
    assert got == {"menu": set("한국어"), "en": set("용"), "ko": set("가나다")}


def test_page_hangul_reads_escapes_and_entities():
    assert fonts.page_hangul('<p>&#xAC00;</p><script>{"a": "\\ub098"}</script>다') == set("가나다")
