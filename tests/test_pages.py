"""Every Python code block of every page runs, as the reader gets it (the copy-run promise).

Blocks run in page order in one namespace, after ``--8<--`` lines are replaced by the package
source they embed: exactly what the built page shows. The strict build (the ``built_site``
fixture) runs them with the hook tools/hooks/pagecode.py, and a block that raises fails it;
the tests here check from the hook's report that every block of every page, in both
languages, was run, and test the executor itself. Notebook code cells run here directly.
"""

import json
import re
import textwrap

import pytest

from conftest import DOCS, load_hook

pagecode = load_hook("pagecode")

PAGES = sorted(p for p in DOCS.rglob("*.md") if "includes" not in p.relative_to(DOCS).parts)
NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))


def rel(path):
    return str(path.relative_to(DOCS))


@pytest.fixture(scope="module")
def build_report(built_site):
    return json.loads((built_site[0].parent / "pagecode-report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_python_block_of_the_page_ran_in_the_build(page, build_report):
    blocks = [b for b in pagecode.find_blocks(page.read_text(encoding="utf-8")) if b.runs]
    assert rel(page) in build_report, "the build did not run this page's code"
    assert build_report[rel(page)]["blocks"] == len(blocks)


def test_block_count(build_report):
    total = sum(entry["blocks"] for entry in build_report.values())
    seconds = sum(entry["seconds"] for entry in build_report.values())
    print(f"page code: {total} blocks run on {len(build_report)} pages in {seconds:.1f} s")
    assert total == sum(sum(b.runs for b in pagecode.find_blocks(p.read_text(encoding="utf-8"))) for p in PAGES)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=rel)
def test_every_notebook_cell_runs(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert code, "a notebook lesson without code"
    pagecode.run_blocks(code, label=rel(notebook))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=rel)
def test_notebooks_are_committed_without_outputs(notebook):
    # Outputs are made at build time from the current package; stored ones would go stale.
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_both_languages_have_the_same_pages():
    for page in PAGES + NOTEBOOKS:
        lang = page.suffixes[-2]
        assert lang in (".ko", ".en"), f"{rel(page)}: name pages page.ko.md / page.en.md"
        twin = page.with_name(page.name.replace(lang, ".en" if lang == ".ko" else ".ko"))
        assert twin.exists(), f"{rel(page)} has no {twin.name}"


def test_both_languages_run_the_same_code():
    # Only prose and figure labels are translated: the embedded package code must match.
    for page in DOCS.rglob("*.ko.md"):
        en = page.with_name(page.name.replace(".ko.md", ".en.md"))
        snippets, snippets_en = (re.findall(r'--8<--\s+"([^"]+\.py(?::\w+)?)"', p.read_text(encoding="utf-8"))
                                 for p in (page, en))
        assert snippets == snippets_en, f"{rel(page)} and {rel(en)} embed different code"


# ---- the executor itself ----------------------------------------------------------------------

def page(text):
    return textwrap.dedent(text).strip() + "\n"


def test_embedded_section_is_the_package_source_verbatim():
    from pathlib import Path

    import dlnotes.activations

    md = page('''
        ```python
        --8<-- "dlnotes/activations.py:softmax"
        ```
    ''')
    (block,) = pagecode.find_blocks(md)
    source = Path(dlnotes.activations.__file__).read_text(encoding="utf-8")
    assert block.code.startswith("def softmax(x, axis=-1):")
    assert block.code in source
    assert "--8<--" not in block.code


def test_blocks_share_a_namespace_and_show_output():
    md = page('''
        ```python
        x = 40
        ```

        Prose.

        ```python
        print(x + 2)
        ```
    ''')
    out = pagecode.render(md, lang="en")
    assert '``` { .text .dl-output title="Output" }\n42\n```' in out


def test_a_failing_block_fails_with_its_page_and_number():
    md = page('''
        ```python
        ok = 1
        ```

        ```python
        1 / 0
        ```
    ''')
    with pytest.raises(pagecode.PageCodeError, match=r"demo.md, code block 2 raised"):
        pagecode.render(md, label="demo.md")


def test_a_misspelled_snippet_fails():
    md = page('''
        ```python
        --8<-- "dlnotes/activations.py:sofmax"
        ```
    ''')
    with pytest.raises(pagecode.PageCodeError, match="section not found"):
        pagecode.find_blocks(md)
    with pytest.raises(pagecode.PageCodeError, match="file not found"):
        pagecode.find_blocks(md.replace("activations.py", "activation.py"))


def test_korean_text_without_a_korean_font_fails():
    md = page('''
        ```python
        import matplotlib
        import matplotlib.pyplot as plt
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        plt.title("시그모이드")
        ```
    ''')
    with pytest.raises(pagecode.PageCodeError, match="missing from"):
        pagecode.render(md)


def test_figures_are_inserted_as_images_with_alt_text():
    md = page('''
        ```python
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        ax.set_title("a line")
        ```
    ''')
    out = pagecode.render(md)
    assert "![a line](data:image/svg+xml;base64," in out


def test_blocks_marked_norun_and_other_languages_are_not_run():
    md = page('''
        ```bash
        exit 1
        ```

        ``` { .python .norun }
        raise SystemExit
        ```
    ''')
    assert pagecode.render(md).count("dl-output") == 0


def test_korean_inside_mathtext_without_a_korean_font_fails():
    # matplotlib's mathtext reports this by logging, not by a warning: the hook listens to both.
    md = page('''
        ```python
        import matplotlib
        import matplotlib.pyplot as plt
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        plt.title("입력 $x_i$")
        ```
    ''')
    with pytest.raises(pagecode.PageCodeError, match="glyph"):
        pagecode.render(md)
