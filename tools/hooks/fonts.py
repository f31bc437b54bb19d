"""A Korean web font cut to the Hangul the built site shows, for readers without one (MkDocs hook).

The theme uses system fonts (no Google Fonts: no third-party request). Windows, macOS, Android and
iOS have Korean fonts, and docs/assets/dlnotes.css names them (Apple SD Gothic Neo, Malgun Gothic,
Noto Sans CJK KR ...) before "dlnotes Hangul" in every font stack (text, code, math), so a reader
who has one downloads no font. A minimal Linux may have none, and Hangul would show as empty boxes:
for that reader, after the whole site is built (both languages), this hook

1. collects every Hangul character the pages can show (HTML text, attributes, the theme's
   translations inside JSON, the search index);
2. cuts NanumGothic (SIL Open Font License; it ships in the koreanize-matplotlib wheel that the
   figures already use) down to those glyphs, as WOFF2 without hinting, in three slices:
   ``menu``, the few glyphs every English page shows (the language menu's 한국어), ``en``, the
   other Hangul of English pages (the glossary's Korean terms ...), and ``ko``, the rest;
3. appends the @font-face rules to the built assets/dlnotes.css, ``local()`` sources first, with
   unicode-ranges that make a page download only the slices of the Hangul it shows: an English
   lesson fetches the menu slice (a few KB), never the Korean pages' glyphs.

Slices are cached under .cache/fonts, keyed on the font file and the glyph set, so an unchanged
site costs nothing; a new slice takes a second or two.
"""

import hashlib
import html
import json
import logging
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from dlnotes.plotting import _bundled_font_files

FAMILY = "dlnotes Hangul"
# Hangul Jamo, CJK symbols and punctuation (『』「」 ...), compatibility Jamo, Jamo extended-A,
# syllables, Jamo extended-B, half- and full-width forms.
BLOCKS = [(0x1100, 0x11FF), (0x3000, 0x303F), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
          (0xD7B0, 0xD7FF), (0xFF00, 0xFFEF)]
HANGUL = re.compile("[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in BLOCKS) + "]")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
LANG = re.compile(r"<html\b[^>]*\blang=\"([^\"]+)\"", re.I)
# Names a Korean system font goes by in local() (full and PostScript names).
LOCAL_NAMES = ["Apple SD Gothic Neo", "AppleSDGothicNeo-Regular", "Malgun Gothic", "MalgunGothic",
               "Noto Sans CJK KR", "Noto Sans CJK KR Regular", "NotoSansCJKkr-Regular", "Noto Sans KR",
               "NotoSansKR-Regular", "NanumGothic"]
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "fonts"
CSS = "assets/dlnotes.css"
FONT_DIR = "assets/fonts"

_root_site_dir = None  # the site of the outer (default-language) build


def page_hangul(text):
    """The set of Hangul characters in an HTML page, including ``\\uXXXX`` escapes and entities."""
    text = JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return set(HANGUL.findall(html.unescape(text)))


def site_hangul(site):
    """Scan a built site: return ``({page path: (lang, hangul set)}, hangul of the search index)``."""
    site = Path(site)
    pages = {}
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(("assets/", "overrides/")):
            continue
        text = path.read_text(encoding="utf-8")
        lang = LANG.search(text)
        pages[rel] = (lang.group(1) if lang else "", page_hangul(text))
    index = site / "search" / "search_index.json"
    searchable = set()
    if index.exists():
        searchable = set(HANGUL.findall(json.dumps(json.loads(index.read_text(encoding="utf-8")),
                                                   ensure_ascii=False)))
    return pages, searchable


def slices(pages, extra=()):
    """Split the site's Hangul into ``{"menu": set, "en": set, "ko": set}`` (disjoint sets).

    ``menu`` holds what every English page shows, ``en`` the rest of the English pages' Hangul,
    ``ko`` everything else (including ``extra``, e.g. the search index's).
    """
    english = [chars for lang, chars in pages.values() if lang.startswith("en") and chars]
    everything = set().union(*(chars for _, chars in pages.values()), extra)
    menu = set.intersection(*english) if english else set()
    en = set().union(*english) - menu
    return {"menu": menu, "en": en, "ko": everything - menu - en}


def unicode_range(codepoints):
    """CSS unicode-range text for a set of code points (consecutive ones merged)."""
    runs = []
    for cp in sorted(codepoints):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def all_blocks():
    return {cp for a, b in BLOCKS for cp in range(a, b + 1)}


def subset_woff2(ttf, chars):
    """Return the path of a cached WOFF2 cut of ``ttf`` to ``chars`` (no hinting)."""
    codepoints = sorted(ord(c) for c in chars)
    digest = hashlib.sha256(ttf.read_bytes() + repr(codepoints).encode()).hexdigest()[:12]
    cached = CACHE / f"hangul-{digest}.woff2"
    if not cached.exists():
        from fontTools import subset

        logging.getLogger("fontTools").setLevel(logging.ERROR)  # it reports dropped tables, loudly
        options = subset.Options(flavor="woff2", hinting=False, name_IDs=[0, 1, 2, 3, 4, 5, 6])
        options.notdef_outline = True
        font = subset.load_font(str(ttf), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{digest}.part")
        subset.save_font(font, str(partial), options)
        partial.replace(cached)  # atomic: an interrupted build leaves no half-written font
    return cached


def font_faces(files):
    """@font-face rules for the slices, given ``{slice: (file name, chars)}``.

    Browsers try faces of one family from the last declared to the first, and download a face
    only for a character inside its unicode-range; a face without the glyph passes the character
    on. So ``menu`` (declared last) lists its own glyphs, ``en`` covers all Hangul but the menu's,
    and ``ko`` all Hangul: an English page never reaches ``ko``.
    """
    everything = all_blocks()
    ranges = {"menu": {ord(c) for c in files.get("menu", ("", ""))[1]}}
    ranges["en"] = everything - ranges["menu"]
    ranges["ko"] = everything
    local = ", ".join(f'local("{name}")' for name in LOCAL_NAMES)
    rules = []
    for name in ("ko", "en", "menu"):
        if name not in files or not files[name][1]:
            continue
        rules.append(
            f'@font-face {{ font-family: "{FAMILY}"; font-display: swap;\n'
            f'  src: {local}, url("fonts/{files[name][0]}") format("woff2");\n'
            f"  unicode-range: {unicode_range(ranges[name])}; }}")
    return "\n".join(rules) + "\n"


def nanum_gothic():
    regular = [f for f in _bundled_font_files() if f.name == "NanumGothic.ttf"]
    if not regular:
        raise PluginError("NanumGothic.ttf not found: install the docs extra (pip install -e '.[docs]')")
    return regular[0]


def build_fonts(site):
    """Write the slices into ``site``/assets/fonts and their @font-face rules into dlnotes.css.

    Returns ``{slice: (file name, chars)}``.
    """
    site = Path(site)
    css = site / CSS
    if not css.exists():
        raise PluginError(f"{css} is missing: mkdocs.yml must list {CSS} in extra_css")
    pages, searchable = site_hangul(site)
    ttf = nanum_gothic()
    target = site / FONT_DIR
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.woff2"):
        old.unlink()
    files = {}
    for name, chars in slices(pages, searchable).items():
        if not chars:
            continue
        cached = subset_woff2(ttf, chars)
        file_name = f"hangul-{name}.{cached.stem.split('-')[-1][:8]}.woff2"
        (target / file_name).write_bytes(cached.read_bytes())
        files[name] = (file_name, "".join(sorted(chars)))
    text = css.read_text(encoding="utf-8")
    css.write_text(text + font_faces(files), encoding="utf-8")
    (target / "hangul.json").write_text(json.dumps(files, ensure_ascii=False, indent=1), encoding="utf-8")
    return files


def _i18n_building(config):
    plugin = config.plugins.get("i18n")
    return bool(plugin and getattr(plugin, "building", False))


def on_pre_build(config):
    global _root_site_dir
    if not _i18n_building(config):  # the outer build, not mkdocs-static-i18n's build of /en/
        _root_site_dir = config.site_dir


@event_priority(-200)  # after mkdocs-static-i18n (-100) has built the other languages and the index
def on_post_build(config):
    if _i18n_building(config):
        return  # a language built inside the outer build: the outer build scans the whole site
    build_fonts(_root_site_dir or config.site_dir)
