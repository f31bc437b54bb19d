"""Give every Korean heading the id of its English twin: ``## 소프트맥스 함수 { #softmax-function }``.

Korean headings keep English anchors (FastAPI's practice), so a link to ``#softmax-function``
and the language switcher land on the same section in both languages. The headings of
``page.ko.md`` and ``page.en.md`` are paired in order; the pair must have the same number of
headings at the same levels (if not, the page is reported and left alone). The English
heading's id is its explicit ``{ #id }``, or else the slug MkDocs gives it.

Usage (from the repository root)::

    python tools/heading_ids.py                 # fix every page pair under docs/
    python tools/heading_ids.py docs/lessons/11-cnn.ko.md   # only these pages (either language)
    python tools/heading_ids.py --check         # change nothing; exit 1 if any id is missing

Headings inside code fences are ignored; ``#`` headings (the page title) are left alone, as
are pages included from elsewhere (``--8<-- "CONTRIBUTING.md:ko"``: edit that file's ids by hand).
"""

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
HEADING = re.compile(r"^(?P<hashes>#{2,6})[ \t]+(?P<text>.*?)(?:[ \t]+\{(?P<attrs>[^{}]*)\})?[ \t]*#*[ \t]*$")
ID_ATTR = re.compile(r"(?:^|\s)#([^\s}]+)")


def slug(text):
    """The id MkDocs gives a heading without an explicit one (toc + pymdownx.slugs, lower case)."""
    import markdown
    from pymdownx.slugs import slugify

    rendered = markdown.markdown(text)
    plain = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    return slugify(case="lower")(plain, "-")


def headings(markdown_text):
    """``(line index, level, text, explicit id or None, attrs)`` of each ## to ###### heading."""
    found, fence = [], None
    for i, line in enumerate(markdown_text.splitlines()):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        h = HEADING.match(line)
        if h:
            attrs = h["attrs"] or ""
            explicit = ID_ATTR.search(attrs)
            found.append((i, len(h["hashes"]), h["text"], explicit.group(1) if explicit else None, attrs))
    return found


def heading_ids(markdown_text):
    """The id of each ## to ###### heading, in order (explicit, or the slug of its text)."""
    return [explicit or slug(text) for _, _, text, explicit, _ in headings(markdown_text)]


def twin(path):
    """The other language's page of ``docs/.../name.ko.md`` or ``.en.md``."""
    name = path.name
    return path.with_name(name.replace(".ko.", ".en.") if ".ko." in name else name.replace(".en.", ".ko."))


def mismatch(ko_text, en_text):
    """A sentence saying how the two pages' headings differ in structure, or None."""
    ko, en = headings(ko_text), headings(en_text)
    if [h[1] for h in ko] != [h[1] for h in en]:
        return (f"{len(ko)} Korean vs {len(en)} English headings, levels "
                f"{''.join(str(h[1]) for h in ko)} vs {''.join(str(h[1]) for h in en)}")
    return None


def fix(ko_text, en_text):
    """``ko_text`` with each Korean heading's id set to its English twin's id."""
    lines = ko_text.splitlines(keepends=True)
    for (i, level, text, _, attrs), en_id in zip(headings(ko_text), heading_ids(en_text)):
        attrs = ID_ATTR.sub("", attrs).strip()
        attrs = f"#{en_id}" + (f" {attrs}" if attrs else "")
        newline = "\n" if lines[i].endswith("\n") else ""
        lines[i] = f"{'#' * level} {text} {{ {attrs} }}{newline}"
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages to fix (default: all under docs/)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on a missing id")
    args = parser.parse_args(argv)
    pages = args.pages or sorted((ROOT / "docs").rglob("*.ko.md"))
    korean = sorted({p if ".ko." in p.name else twin(p) for p in pages})
    status = 0
    for ko in korean:
        en = twin(ko)
        if not ko.exists() or not en.exists():
            print(f"{ko}: no {'English' if ko.exists() else 'Korean'} twin")
            status = 1
            continue
        ko_text, en_text = ko.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
        problem = mismatch(ko_text, en_text)
        if problem:
            print(f"{ko}: headings differ from {en.name} ({problem}); left alone")
            status = 1
            continue
        fixed = fix(ko_text, en_text)
        if fixed != ko_text:
            changed = sum(a != b for a, b in zip(fixed.splitlines(), ko_text.splitlines()))
            if args.check:
                print(f"{ko}: {changed} heading id(s) differ from {en.name}")
                status = 1
            else:
                ko.write_text(fixed, encoding="utf-8")
                print(f"{ko}: {changed} heading id(s) set")
    return status


if __name__ == "__main__":
    sys.exit(main())
