"""Start a new lesson: both pages, the nav entry, a module section and its tests.

Run it through ``bash scripts/new-lesson.sh NN slug`` (see that script for the options). From
the templates in ``tools/templates/`` it writes

* ``docs/lessons/NN-slug.ko.md`` and ``docs/lessons/NN-slug.en.md`` (intro, imports, a block
  embedding the new section, a block calling it, summary, exercises, a link to the previous
  lesson), with the same headings, ids and code in both languages;
* ``lessons/NN-slug.md`` in the ``nav`` of mkdocs.yml and a row in the learning-path table of the
  home page (both languages), each in lesson-number order;
* a section ``# --8<-- [start:func]`` ... ``[end:func]`` in ``src/dlnotes/<module>.py`` (a new
  module named after the slug, or the existing module given with ``--module``), holding a
  stand-in function ``func`` (the slug with ``_`` for ``-``, or ``--function``);
* tests of that function in ``tests/test_<module>.py`` (new, or appended to).

The site builds and the tests pass right after it; every TODO it leaves is for you to fill in.
"""

import argparse
import keyword
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
LESSON_ROW = re.compile(r"^\| (?P<nn>\d+)\. \[.*\]\(lessons/[^)]+\.md\) \|.*\|[ \t]*$", re.M)


def fill(template, **values):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", str(value))
    assert "@@" not in text, f"{template}: a placeholder was left unfilled"
    return text


def page_title(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return path.stem


FOOTER_PREVIOUS = {"en": "Previous", "ko": "이전"}
FOOTER_NEXT = {"en": "Next", "ko": "다음"}


def lesson_name(page_en):
    """``NN-slug`` of a lesson's English page ``NN-slug.en.md``."""
    return page_en.name[: -len(".en.md")]


def lesson_title(page_en, lang):
    """The lesson's title in ``lang`` (the English one when that language's page is missing)."""
    page = page_en.with_name(f"{lesson_name(page_en)}.{lang}.md")
    return page_title(page if page.exists() else page_en)


def set_footer_link(page, lang, which, link):
    """Point the footer of ``page`` (its last line, "Previous: [..](..) · Next: [..](..)") at ``link``.

    ``which`` is "previous" or "next": that link is added or replaced, the other one kept.
    Returns whether the page changed; a page whose last line is not such a footer is left alone.
    """
    words = {"previous": FOOTER_PREVIOUS[lang], "next": FOOTER_NEXT[lang]}
    text = page.read_text(encoding="utf-8")
    lines = text.rstrip("\n").split("\n")
    parts = dict(re.findall(rf"({'|'.join(words.values())}): (\[[^\]]*\]\([^)]*\))", lines[-1]))
    if not parts:
        return False
    parts[words[which]] = link
    lines[-1] = " · ".join(f"{word}: {parts[word]}" for word in words.values() if word in parts)
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True


def _lesson_number(text):
    match = re.search(r"lessons/(\d\d)-", text)
    return int(match.group(1)) if match else None


def _position(numbered, number):
    """Index to insert lesson ``number`` at, among ``numbered`` (index, lesson number) in order:
    after the last lesson with a smaller number, else before the first lesson."""
    before = [i for i, n in numbered if n < number]
    return before[-1] + 1 if before else numbered[0][0]


def add_nav_entry(mkdocs_yml, entry):
    """Insert ``- entry`` among the nav's ``- lessons/NN-...`` lines, in lesson-number order."""
    lines = mkdocs_yml.read_text(encoding="utf-8").splitlines(keepends=True)
    numbered = [(i, _lesson_number(line)) for i, line in enumerate(lines)
                if re.match(r"^\s*- lessons/\d\d-[\w.-]+\s*$", line)]
    if not numbered:
        raise SystemExit("mkdocs.yml: no '- lessons/NN-...' entry in the nav to add the lesson beside")
    at = _position(numbered, _lesson_number(entry))
    indent = re.match(r"^(\s*)", lines[numbered[0][0]]).group(1)
    lines.insert(at, f"{indent}- {entry}\n")
    mkdocs_yml.write_text("".join(lines), encoding="utf-8")


def add_home_row(index, row):
    """Add ``row`` to the home page's learning-path table, in lesson-number order."""
    text = index.read_text(encoding="utf-8")
    rows = list(LESSON_ROW.finditer(text))
    if not rows:
        print(f"note: no learning-path table found in {index.relative_to(ROOT)}; add the row by hand")
        return
    number = int(re.match(r"^\| (\d+)\.", row).group(1))
    before = [m for m in rows if int(m["nn"]) < number]
    if before:
        at = before[-1].end()
        index.write_text(text[:at] + "\n" + row + text[at:], encoding="utf-8")
    else:
        at = rows[0].start()
        index.write_text(text[:at] + row + "\n" + text[at:], encoding="utf-8")


def main(argv=None, root=ROOT):
    parser = argparse.ArgumentParser(prog="bash scripts/new-lesson.sh",
                                     description="Start a new lesson in both languages.")
    parser.add_argument("nn", help="two-digit lesson number, e.g. 11")
    parser.add_argument("slug", help="lower-case words joined by '-', e.g. convolution")
    parser.add_argument("--module", help="an existing module of src/dlnotes to add the section to "
                                         "(default: a new module named after the slug)")
    parser.add_argument("--function", help="name of the function and its section (default: the slug)")
    parser.add_argument("--title-en", help="the English title (default: the slug in words)")
    parser.add_argument("--title-ko", help="the Korean title (default: the English title, for you to translate)")
    args = parser.parse_args(argv)

    if not re.fullmatch(r"\d{2}", args.nn):
        parser.error("NN must be two digits, e.g. 11")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", args.slug):
        parser.error("slug must be lower-case words joined by '-', starting with a letter")
    module = args.module or args.slug.replace("-", "_")
    func = args.function or args.slug.replace("-", "_")
    for what, name in (("module", module), ("function", func)):
        if not name.isidentifier() or keyword.iskeyword(name) or name != name.lower():
            parser.error(f"{what} name {name!r} is not a lower-case Python identifier")

    docs = root / "docs" / "lessons"
    name = f"{args.nn}-{args.slug}"
    if list(docs.glob(f"{args.nn}-*")):
        parser.error(f"lesson {args.nn} exists already: {', '.join(p.name for p in docs.glob(f'{args.nn}-*'))}")
    module_py = root / "src" / "dlnotes" / f"{module}.py"
    test_py = root / "tests" / f"test_{module}.py"
    if args.module and not module_py.exists():
        parser.error(f"--module {module}: src/dlnotes/{module}.py does not exist")
    if not args.module and module_py.exists():
        parser.error(f"src/dlnotes/{module}.py exists already: pass --module {module} to add to it")
    if module_py.exists():
        source = module_py.read_text(encoding="utf-8")
        if f"[start:{func}]" in source or re.search(rf"^def {func}\b", source, re.M):
            parser.error(f"src/dlnotes/{module}.py already has {func}: choose --function")
        if not re.search(r"^from dlnotes\.checks import .*\bas_float_array\b", source, re.M):
            parser.error(f"src/dlnotes/{module}.py must import as_float_array from dlnotes.checks")

    title_en = args.title_en or args.slug.replace("-", " ").capitalize()
    title_ko = args.title_ko or title_en
    number = int(args.nn)
    earlier = sorted((int(p.name[:2]), p) for p in docs.glob("[0-9][0-9]-*.en.md") if int(p.name[:2]) < number)
    later = sorted((int(p.name[:2]), p) for p in docs.glob("[0-9][0-9]-*.en.md") if int(p.name[:2]) > number)
    footer = {"en": [], "ko": []}
    for neighbours, words in ((earlier[-1:], FOOTER_PREVIOUS), (later[:1], FOOTER_NEXT)):
        for _, page_en in neighbours:
            for lang in ("en", "ko"):
                footer[lang].append(f"{words[lang]}: [{lesson_title(page_en, lang)}]({lesson_name(page_en)}.md)")
    footer = {lang: " · ".join(parts) for lang, parts in footer.items()}

    values = dict(nn=number, name=name, module=module, func=func, title_en=title_en, title_ko=title_ko,
                  footer_en=footer["en"], footer_ko=footer["ko"])
    written = []
    for lang in ("ko", "en"):
        page = docs / f"{name}.{lang}.md"
        page.write_text(fill(f"lesson.{lang}.md", **values), encoding="utf-8")
        written.append(page)
    if module_py.exists():
        module_py.write_text(module_py.read_text(encoding="utf-8").rstrip("\n") + "\n" + fill("section.py", **values),
                             encoding="utf-8")
    else:
        module_py.write_text(fill("module.py", **values) + fill("section.py", **values), encoding="utf-8")
    written.append(module_py)
    if test_py.exists():
        test_py.write_text(test_py.read_text(encoding="utf-8").rstrip("\n") + "\n" + fill("test_section.py", **values),
                           encoding="utf-8")
    else:
        test_py.write_text(fill("test_module.py", **values) + fill("test_section.py", **values), encoding="utf-8")
    written.append(test_py)
    add_nav_entry(root / "mkdocs.yml", f"lessons/{name}.md")
    written.append(root / "mkdocs.yml")
    add_home_row(root / "docs" / "index.ko.md",
                 f"| {number}. [{title_ko}](lessons/{name}.md) | TODO: 이 강의에서 배우는 것 | TODO |")
    add_home_row(root / "docs" / "index.en.md",
                 f"| {number}. [{title_en}](lessons/{name}.md) | TODO: what you learn in this lesson | TODO |")
    written += [root / "docs" / "index.ko.md", root / "docs" / "index.en.md"]

    # The lessons before and after now lead to this one.
    titles = {"en": title_en, "ko": title_ko}
    for neighbours, which in ((earlier[-1:], "next"), (later[:1], "previous")):
        for _, page_en in neighbours:
            for lang in ("ko", "en"):
                page = docs / f"{lesson_name(page_en)}.{lang}.md"
                if page.exists() and set_footer_link(page, lang, which, f"[{titles[lang]}]({name}.md)"):
                    written.append(page)

    print(f"lesson {number} started: {name}")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print("Next: fill in the TODOs (both languages), then run")
    print(f"  .venv/bin/pytest tests/test_{module}.py tests/test_parity.py -q   and   bash scripts/serve.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
