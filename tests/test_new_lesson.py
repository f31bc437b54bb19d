"""``scripts/new-lesson.sh NN slug`` starts a lesson that passes the tests and builds right away.

The script runs in a temporary copy of the repository (the files git knows, tracked or new):
it must write both pages, the nav entry, a home-page row, a module section and a test that can
fail; the new lesson's tests and the parity tests must pass in the copy; and, once per run, a
strict build of the whole copied site must pass with the new lesson rendered correctly.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, page_soup
from test_rendered import broken, check_links, ensure_linkinator, html_pages, raw_markdown

IN_CI = bool(os.environ.get("CI"))
SLUG, MODULE = "sample-lesson", "sample_lesson"
TITLE_KO, TITLE_EN = "견본 강의", "A sample lesson"


def copy_repository(dest):
    """Copy the repository's files (tracked, or new and not ignored) to ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def env_for(copy):
    """Run Python in the copy with the copy's package, not the one installed from ROOT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}  # its own run
    return {**env, "PYTHONPATH": str(copy / "src"), "NO_MKDOCS_2_WARNING": "1"}


def new_lesson(copy, *args):
    return subprocess.run(["bash", "scripts/new-lesson.sh", *args], cwd=copy, capture_output=True, text=True)


def pytest_in(copy, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=copy, env=env_for(copy), capture_output=True, text=True)


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    copy = copy_repository(tmp_path_factory.mktemp("repo"))
    numbers = [int(p.name[:2]) for p in (copy / "docs" / "lessons").glob("[0-9][0-9]-*.en.md")]
    nn = f"{max(numbers) + 1:02d}"
    result = new_lesson(copy, nn, SLUG, "--title-ko", TITLE_KO, "--title-en", TITLE_EN)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"copy": copy, "nn": nn, "name": f"{nn}-{SLUG}", "previous": f"{max(numbers):02d}", "output": result.stdout}


def test_the_script_writes_every_part_of_a_lesson(lesson):
    copy, name = lesson["copy"], lesson["name"]
    embed = f'--8<-- "dlnotes/{MODULE}.py:{MODULE}"'
    ids = {}
    for lang, title in (("ko", TITLE_KO), ("en", TITLE_EN)):
        page = (copy / "docs" / "lessons" / f"{name}.{lang}.md").read_text(encoding="utf-8")
        assert page.startswith(f"# {title}\n") and embed in page
        assert re.search(r"\]\(\d\d-[\w-]+\.md\)", page), "no link to the previous lesson"
        ids[lang] = re.findall(r"^##+ .*\{ #([\w-]+) \}$", page, re.M)
    assert ids["ko"] == ids["en"] and {"summary", "exercises"} <= set(ids["en"])
    module = (copy / "src" / "dlnotes" / f"{MODULE}.py").read_text(encoding="utf-8")
    assert f"# --8<-- [start:{MODULE}]\ndef {MODULE}(x):" in module and f"# --8<-- [end:{MODULE}]" in module
    assert "def test_" in (copy / "tests" / f"test_{MODULE}.py").read_text(encoding="utf-8")
    nav = re.findall(r"^\s*- (lessons/[\w.-]+)\s*$", (copy / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert nav[-1] == f"lessons/{name}.md" and nav[-2].startswith(f"lessons/{lesson['previous']}-")
    for lang, title in (("ko", TITLE_KO), ("en", TITLE_EN)):
        home = (copy / "docs" / f"index.{lang}.md").read_text(encoding="utf-8")
        # the new row follows the previous lesson's row in the same table (no blank line between)
        assert re.search(rf"^\| {int(lesson['previous'])}\. .*\|\n\| {int(lesson['nn'])}\. \[{title}\]\(lessons/{name}\.md\) \|",
                         home, re.M), f"index.{lang}.md: no row for the new lesson after the previous one"


def test_the_lesson_before_leads_to_the_new_one(lesson):
    lessons = lesson["copy"] / "docs" / "lessons"
    (before_en,) = lessons.glob(f"{lesson['previous']}-*.en.md")
    for lang, title, next_word in (("ko", TITLE_KO, "다음"), ("en", TITLE_EN, "Next")):
        footer = before_en.with_name(before_en.name.replace(".en.", f".{lang}.")).read_text(
            encoding="utf-8").rstrip().splitlines()[-1]
        assert footer.endswith(f" · {next_word}: [{title}]({lesson['name']}.md)"), footer
        assert footer.count("](") == 2, footer  # its own "Previous" link is kept


def test_a_lesson_put_between_two_links_both_ways(tmp_path):
    copy = copy_repository(tmp_path / "repo")
    lessons = copy / "docs" / "lessons"
    numbers = sorted(int(p.name[:2]) for p in lessons.glob("[0-9][0-9]-*.en.md"))
    last, gap = numbers[-1], numbers[-1] + 2
    for args in ((f"{gap:02d}", "far-topic", "--title-en", "Far"), (f"{last + 1:02d}", "mid-topic", "--title-en", "Mid")):
        result = new_lesson(copy, *args)
        assert result.returncode == 0, result.stdout + result.stderr

    def footer(nn, lang="en"):
        (page,) = lessons.glob(f"{nn:02d}-*.{lang}.md")
        return page.read_text(encoding="utf-8").rstrip().splitlines()[-1]

    assert footer(last).endswith(f"Next: [Mid]({last + 1:02d}-mid-topic.md)")
    assert re.fullmatch(rf"Previous: \[.+\]\({last:02d}-[\w-]+\.md\) · Next: \[Far\]\({gap:02d}-far-topic\.md\)",
                        footer(last + 1)), footer(last + 1)
    assert footer(gap) == f"Previous: [Mid]({last + 1:02d}-mid-topic.md)"
    assert footer(gap, "ko") == f"이전: [Mid]({last + 1:02d}-mid-topic.md)"


def test_the_new_tests_and_the_parity_tests_pass_in_the_copy(lesson):
    result = pytest_in(lesson["copy"], f"tests/test_{MODULE}.py", "tests/test_parity.py", "-m", "not build")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_the_new_test_fails_when_the_function_is_broken(lesson):
    module = lesson["copy"] / "src" / "dlnotes" / f"{MODULE}.py"
    original = module.read_text(encoding="utf-8")
    assert original.count("return x.copy()") == 1
    try:
        module.write_text(original.replace("return x.copy()", "return x * 2"), encoding="utf-8")
        result = pytest_in(lesson["copy"], f"tests/test_{MODULE}.py")
        assert result.returncode == 1 and " failed" in result.stdout, result.stdout[-3000:]
    finally:
        module.write_text(original, encoding="utf-8")


def test_a_taken_number_or_a_bad_name_is_refused_and_nothing_changes(lesson):
    copy = lesson["copy"]
    before = {p: p.read_bytes() for p in (copy / "mkdocs.yml", copy / "docs" / "index.ko.md")}
    for args in ((lesson["nn"], "other"), ("7", "x"), ("99", "Bad_Slug"), ("99", "x", "--module", "nope")):
        result = new_lesson(copy, *args)
        assert result.returncode == 2 and "error:" in result.stderr, (args, result.stdout, result.stderr)
    assert before == {p: p.read_bytes() for p in before}
    assert not list((copy / "docs" / "lessons").glob("99-*"))


@pytest.mark.build
def test_the_copy_builds_strictly_with_the_new_lesson(lesson, built_site, request):
    # A second build of the whole site: always in CI, and locally when build tests are selected
    # by name (-m build). The pages the copy shares with the repository take their code's results
    # from the suite's own cold build (built_site, which stored them): an entry holds only while
    # the modules its page loaded are unchanged, so the new lesson's page runs, and so does any
    # page whose module the script edited.
    if not IN_CI and "build" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the copy's full strict build runs with CI=true or -m build (about a minute)")
    copy, name = lesson["copy"], lesson["name"]
    site, report = copy / "site-test", copy / "pagecode-report.json"
    env = {**env_for(copy), "DLNOTES_PAGECODE_CACHE": "reuse", "DLNOTES_PAGECODE_REPORT": str(report),
           "DLNOTES_PAGECODE_CACHE_DIR": str(built_site[0].parent / "pagecode-cache")}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                            cwd=copy, env=env, capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    assert not re.search(r"^WARNING", log, re.M), log[-6000:]
    ran = json.loads(report.read_text(encoding="utf-8"))
    for lang in ("ko", "en"):
        assert ran[f"lessons/{name}.{lang}.md"]["ran"] > 0, f"{lang}: the new lesson's code did not run"
    assert sum(entry["cached"] for entry in ran.values()) > 0, "nothing was reused from the suite's build"
    problems = []
    for lang in ("ko", "en"):
        base = site / "en" if lang == "en" else site
        page = base / "lessons" / name / "index.html"
        code = "\n".join(c.get_text() for c in page_soup(page.read_text(encoding="utf-8")).select("pre code"))
        assert f"def {MODULE}(x):" in code, f"{lang}: the embedded function is not on the page"
        for built in (page, base / "index.html"):
            problems += [f"{built.relative_to(site)}: {p}" for p in raw_markdown(built.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)
    links = check_links(ensure_linkinator(), site)
    assert not broken(site, links), "\n".join(broken(site, links))
    assert len(html_pages(site)) == len(html_pages(site / "en")) * 2


def test_contributings_example_command_names_a_free_lesson_number():
    # CONTRIBUTING shows one command per language; copied as is, it must work today.
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    commands = re.findall(r"^bash scripts/new-lesson\.sh (\d\d) ([a-z0-9-]+) .*$", text, re.M)
    assert len(commands) == 2 and len(set(commands)) == 1, commands
    taken = {p.name[:2] for p in (ROOT / "docs" / "lessons").glob("[0-9][0-9]-*.md")}
    assert commands[0][0] not in taken, f"CONTRIBUTING's example uses lesson {commands[0][0]}, which exists"


def test_nav_entries_and_home_rows_go_in_lesson_number_order(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("new_lesson", ROOT / "tools" / "new_lesson.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    yml = tmp_path / "mkdocs.yml"
    yml.write_text("nav:\n  - index.md\n  - Lessons:\n    - lessons/01-a.md\n    - lessons/03-c.md\n  - glossary.md\n")
    for entry in ("lessons/02-b.md", "lessons/00-z.md", "lessons/04-d.md"):
        tool.add_nav_entry(yml, entry)
    assert [l.strip() for l in yml.read_text().splitlines()] == [
        "nav:", "- index.md", "- Lessons:", "- lessons/00-z.md", "- lessons/01-a.md", "- lessons/02-b.md",
        "- lessons/03-c.md", "- lessons/04-d.md", "- glossary.md"]
    index = tmp_path / "index.md"
    index.write_text("| lesson | what | |\n|---|---|---|\n| 1. [A](lessons/01-a.md) | a | x |\n"
                     "| 3. [C](lessons/03-c.md) | c | x |\n\nafter\n")
    for row in ("| 2. [B](lessons/02-b.md) | b | x |", "| 0. [Z](lessons/00-z.md) | z | x |"):
        tool.add_home_row(index, row)
    rows = [l.split("]")[0] for l in index.read_text().splitlines() if l.startswith("| ") and "[" in l]
    assert rows == ["| 0. [Z", "| 1. [A", "| 2. [B", "| 3. [C"]
    assert index.read_text().endswith("| 3. [C](lessons/03-c.md) | c | x |\n\nafter\n")
