"""Every Python code block of every page runs, as the reader gets it (the copy-run promise).

Blocks run in page order in one namespace, after ``--8<--`` lines are replaced by the package
source they embed: exactly what the built page shows. The strict build (the ``built_site``
fixture) runs them with the hook tools/hooks/pagecode.py, and a block that raises fails it;
the tests here check from the hook's report that every block of every page, in both
languages, was run, and test the executor itself. Notebook code cells run here directly.
"""

import json
import os
import re
import textwrap
from pathlib import Path

import pytest

from conftest import DOCS, built_soup, load_hook

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
    entry = build_report[rel(page)]
    assert entry["blocks"] == len(blocks)
    assert entry["ran"] == len(blocks) and entry["cached"] == 0, "the test build must run every block"


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


# Both languages' pages, their heading ids and their code are compared in tests/test_parity.py.


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
    out = pagecode.render(md, page_dir="lessons/demo")
    (img,) = re.findall(r"<img [^>]*>", out)
    assert 'alt="a line"' in img and 'class="dl-figure"' in img
    assert "data:" not in out
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert re.fullmatch(r"\.\./\.\./assets/figures/[0-9a-f]{12}\.svg", src)


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


def test_each_page_starts_from_matplotlibs_defaults():
    # A Korean page that forgets use_korean_font() fails, even right after a page that called it.
    import matplotlib

    korean = page('''
        ```python
        import matplotlib.pyplot as plt
        from dlnotes.plotting import use_korean_font
        use_korean_font()
        plt.rcParams["lines.linewidth"] = 7
        plt.title("시그모이드")
        ```
    ''')
    pagecode.render(korean)
    assert matplotlib.rcParams["lines.linewidth"] != 7, "a page's settings leaked out"
    forgetful = page('''
        ```python
        import matplotlib.pyplot as plt
        print(plt.rcParams["lines.linewidth"])
        plt.title("시그모이드")
        ```
    ''')
    with pytest.raises(pagecode.PageCodeError, match="missing from"):
        pagecode.render(forgetful)


# ---- figures as files ---------------------------------------------------------------------------

FIGURES = page('''
    ```python
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [1, 0])
    ax.set_title("first")
    ```

    ??? example "Code for the figure"

        ```python
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.plot([0, 1], [0, 1])
        ax.set_title("second")
        ```

    The text that talks about the second figure.
''')


def svg_root(svg):
    from xml.etree import ElementTree

    return ElementTree.fromstring(svg)


def test_figures_are_files_with_their_size_and_lazy_loading(tmp_path):
    figures = pagecode.FigureFiles(tmp_path)
    out = pagecode.render(FIGURES, figures=figures, page_dir="en/lessons/demo")
    imgs = re.findall(r"<img [^>]*>", out)
    assert len(imgs) == 2 and len(figures.files) == 2
    for img, (w_in, h_in) in zip(imgs, [(4, 3), (6, 2)]):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', img))
        file = Path(os.path.normpath(tmp_path / "en" / "lessons" / "demo" / attrs["src"]))
        root = svg_root(file.read_text(encoding="utf-8"))
        assert root.tag.endswith("svg")
        # about the figure size at 72 pt/inch (bbox_inches="tight" trims or widens the margins)
        width_pt, height_pt = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
        assert 0.7 < width_pt / (72 * w_in) < 1.2 and 0.7 < height_pt / (72 * h_in) < 1.2
        assert int(attrs["width"]) == round(width_pt * 96 / 72)  # CSS pixels
        assert int(attrs["height"]) == round(height_pt * 96 / 72)
        assert attrs["decoding"] == "async"
    assert "loading" not in imgs[0] and 'loading="lazy"' in imgs[1]  # the first one is not lazy


def test_a_figure_drawn_in_a_collapsed_block_is_shown_after_it():
    out = pagecode.render(FIGURES)
    lines = out.splitlines()
    (second,) = [n for n, line in enumerate(lines) if 'alt="second"' in line]
    assert not lines[second].startswith(" "), "the figure must not be hidden in the ??? block"
    assert second < lines.index("The text that talks about the second figure.")
    assert '    ax.set_title("second")' in lines


def test_slim_svg_draws_the_same_thing_in_fewer_bytes():
    import io

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 0.123456789, 1], [1, 0.5, 0])
    ax.set_title("slim")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    full = buffer.getvalue()
    slim = pagecode.slim_svg(full)
    assert len(slim) < 0.9 * len(full)
    a, b = svg_root(full), svg_root(slim)
    assert a.get("viewBox") == b.get("viewBox") and a.get("width") == b.get("width")
    assert [e.tag for e in a.iter() if "metadata" not in e.tag and e.tag.split("}")[-1] in ("path", "use", "g")
            ][:50] == [e.tag for e in b.iter() if e.tag.split("}")[-1] in ("path", "use", "g")][:50]
    assert "<metadata>" not in slim and "<!--" not in slim
    assert re.search(r"\d\.\d{3,}", " ".join(re.findall(r' d="([^"]*)"', slim))) is None


def test_every_figure_of_every_built_page_is_a_file_with_its_size(built_site):
    site = built_site[0]
    count = 0
    for html_file in site.rglob("*.html"):
        soup = built_soup(html_file)
        for img in soup.select("img.dl-figure"):
            count += 1
            assert not img["src"].startswith("data:"), f"{html_file}: figure inlined"
            file = (html_file.parent / img["src"]).resolve()
            assert file.is_file() and file.is_relative_to(site.resolve()), f"{html_file}: {img['src']} missing"
            root = svg_root(file.read_text(encoding="utf-8"))
            width_pt = float(root.get("width").removesuffix("pt"))
            height_pt = float(root.get("height").removesuffix("pt"))
            assert int(img["width"]) == round(width_pt * 4 / 3) and int(img["height"]) == round(height_pt * 4 / 3)
            assert img.get("alt")
    assert count > 50, "the lessons draw many figures"


# ---- the cache ----------------------------------------------------------------------------------

buildcache = pagecode.buildcache


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """A copy of the package, data directories and a hook file that a test may change."""
    import shutil

    package = tmp_path / "dlnotes"
    shutil.copytree(buildcache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(buildcache, "PACKAGE", package)
    data, downloads = tmp_path / "data", tmp_path / "downloads"
    for directory in (data, downloads / "mnist"):
        directory.mkdir(parents=True)
        (directory / "t10k-labels-idx1-ubyte.gz").write_bytes(b"labels v1")
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(data))
    monkeypatch.setenv("DLNOTES_CACHE_DIR", str(downloads))
    for name in [n for n in os.environ if n.startswith("DLNOTES_") and n not in ("DLNOTES_DATA_DIR", "DLNOTES_CACHE_DIR")]:
        monkeypatch.delenv(name)
    hook = tmp_path / "pagecode.py"
    hook.write_text(Path(pagecode.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    return {"package": package, "data": data, "downloads": downloads / "mnist", "hook": hook}


def test_the_cache_key_covers_every_input(inputs, monkeypatch):
    import numpy

    def fp():
        return buildcache.fingerprint([inputs["hook"]])

    base = fp()
    assert fp() == base, "the same inputs must give the same key (else nothing is ever cached)"
    seen = {base}

    def changed(what):
        new = fp()
        assert new not in seen, f"a change of {what} did not change the key"
        seen.add(new)

    # Modules are not in the shared fingerprint: a page's entry lists those it loaded (below).
    sources = buildcache.sources_digest()
    (inputs["package"] / "activations.py").write_text("# changed\n", encoding="utf-8", newline="\n")
    assert fp() == base and buildcache.sources_digest() != sources, "notebooks' key covers every module"
    npz = next((inputs["package"] / "data").glob("*.npz"))
    npz.write_bytes(npz.read_bytes() + b"\0")
    changed("the package's weights file")
    (inputs["package"] / "data" / "new.csv").write_text("", encoding="utf-8")
    changed("a new data file in the package")
    (inputs["data"] / "t10k-labels-idx1-ubyte.gz").write_bytes(b"labels v2")
    changed("an MNIST file in DLNOTES_DATA_DIR")
    (inputs["downloads"] / "t10k-labels-idx1-ubyte.gz").write_bytes(b"labels v2")
    changed("an MNIST file in the download cache (DLNOTES_CACHE_DIR)")
    monkeypatch.setenv("DLNOTES_MNIST_SOURCE", "sample")
    changed("a DLNOTES_* environment variable")
    monkeypatch.setenv("DLNOTES_DATA_DIR", str(inputs["downloads"]))
    changed("DLNOTES_DATA_DIR")
    dists = buildcache._distributions()
    for name, module in [("numpy", numpy), ("matplotlib", pytest.importorskip("matplotlib"))]:
        assert (name, module.__version__) in dists  # the real versions are part of the key
    assert any(name.lower() == "mlxtend" for name, _ in dists) or not os.environ.get("CI")
    for name in ("numpy", "matplotlib", "mlxtend"):
        monkeypatch.setattr(buildcache, "_distributions", lambda n=name: dists + [(n, "999")])
        changed(f"the installed {name} version")
    monkeypatch.setattr(buildcache.sys, "version", "3.99.0 (test)")
    changed("the Python version")
    inputs["hook"].write_text(inputs["hook"].read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed("the hook's source")
    # The build's own bookkeeping does not change what the code computes.
    monkeypatch.setenv("DLNOTES_PAGECODE_REPORT", "/tmp/elsewhere.json")
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE_DIR", "/tmp/elsewhere")
    assert fp() in seen

    codes = ["x = 1", "print(x)"]
    keys = {pagecode.page_key(base, "lessons/a.ko.md", "ko", codes),
            pagecode.page_key(base, "lessons/a.ko.md", "en", codes),
            pagecode.page_key(base, "lessons/b.ko.md", "ko", codes),
            pagecode.page_key(base, "lessons/a.ko.md", "ko", ["x = 2", "print(x)"]),
            pagecode.page_key(base, "lessons/a.ko.md", "ko", ["x = 1\nprint(x)"]),
            pagecode.page_key(fp(), "lessons/a.ko.md", "ko", codes)}
    assert len(keys) == 6, "language, page, code and block boundaries must all change the key"


def test_a_page_entry_holds_only_while_the_modules_it_loaded_are_unchanged(inputs, tmp_path):
    package = inputs["package"]
    outside = tmp_path / "elsewhere" / "dlnotes_extra.py"
    outside.parent.mkdir()
    outside.write_text("x = 1\n", encoding="utf-8")
    files = [str(package / "__init__.py"), str(package / "activations.py"), str(outside)]
    recorded = pagecode.module_hashes(files, buildcache.source_hashes())
    assert set(recorded) == {"__init__.py", "activations.py", str(outside)}
    assert pagecode.still_current(recorded, buildcache.source_hashes())
    (package / "sample_lesson.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    (package / "losses.py").write_text("# a module the page never loaded\n", encoding="utf-8")
    assert pagecode.still_current(recorded, buildcache.source_hashes()), "unrelated modules changed"
    outside.write_text("x = 2\n", encoding="utf-8")
    assert not pagecode.still_current(recorded, buildcache.source_hashes()), "a module outside the package"
    outside.write_text("x = 1\n", encoding="utf-8")
    (package / "activations.py").write_text("# changed\n", encoding="utf-8")
    assert not pagecode.still_current(recorded, buildcache.source_hashes()), "a loaded module changed"
    (package / "activations.py").unlink()
    assert not pagecode.still_current(recorded, buildcache.source_hashes()), "a loaded module is gone"
    assert not pagecode.still_current(None, buildcache.source_hashes())


def test_the_modules_a_page_loaded_are_recorded():
    import sys

    for name in [n for n in sys.modules if n == "dlnotes.perceptron"]:
        del sys.modules[name]
    pagecode.run_blocks(["from dlnotes.perceptron import AND", "print(AND(1, 1))"], "demo")
    loaded = pagecode.loaded_modules()
    assert str((buildcache.PACKAGE / "perceptron.py").resolve()) in loaded
    assert all(Path(f).name.endswith(".py") for f in loaded)


def test_the_cache_is_off_on_request_and_on_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("DLNOTES_PAGECODE_CACHE", raising=False)
    assert buildcache.enabled()
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE", "0")
    assert not buildcache.enabled()
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE", "1")
    monkeypatch.setenv("CI", "true")
    assert not buildcache.enabled() and buildcache.open_cache() is None
    # The suite's cold build fills a cache that its second build (a copy) reuses, on CI too.
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE", "fill")
    assert not buildcache.enabled() and not buildcache.open_cache().readable
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE", "reuse")
    assert buildcache.enabled() and buildcache.open_cache().readable


def test_cache_entries_are_written_whole_and_read_back(tmp_path):
    cache = buildcache.Cache(tmp_path)
    assert cache.get("a.md", "k1") is None
    cache.put("a.md", "k1", [{"text": "안녕", "figures": []}])
    assert cache.get("a.md", "k1") == [{"text": "안녕", "figures": []}]
    assert cache.get("a.md", "k2") is None and cache.get("b.md", "k1") is None
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*"))
    cache.path("a.md", "k1").write_text('{"key": "k1", "value": [', encoding="utf-8")  # torn write
    assert cache.get("a.md", "k1") is None
    cache.path("a.md", "k3").write_text('{"key": "other", "value": 1}', encoding="utf-8")  # renamed
    assert cache.get("a.md", "k3") is None
    for n in range(10):
        cache.put("a.md", f"n{n}", n)
    assert len(list(tmp_path.glob("a.md--*.json"))) == buildcache.KEEP_PER_PAGE


def test_the_hook_reuses_a_page_only_while_its_inputs_stay_the_same(tmp_path, monkeypatch):
    from types import SimpleNamespace

    runs = tmp_path / "runs.txt"
    md = page(f'''
        ```python
        import dlnotes.perceptron
        with open({str(runs)!r}, "a") as f:
            f.write("ran ")
        print("result")
        ```
    ''')
    fake_page = SimpleNamespace(file=SimpleNamespace(src_uri="demo.en.md", dest_uri="demo/index.html", locale="en"))
    (tmp_path / "docs").mkdir()
    config = SimpleNamespace(site_dir=str(tmp_path / "site"), docs_dir=str(tmp_path / "docs"), exclude_docs=None)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("DLNOTES_PAGECODE_CACHE", raising=False)
    monkeypatch.setattr(buildcache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(pagecode, "REPORT", {})

    def build(markdown):
        pagecode.on_pre_build(config)
        try:
            out = pagecode.on_page_markdown(markdown, fake_page, config, None)
        finally:
            pagecode.on_post_build(config)
        return out, dict(pagecode.REPORT["demo.en.md"])

    first, report1 = build(md)
    second, report2 = build(md)
    assert runs.read_text().count("ran") == 1, "the unchanged page ran again"
    assert first == second and "result" in second
    assert (report1["ran"], report1["cached"], report2["ran"], report2["cached"]) == (1, 0, 0, 1)
    assert report1["blocks"] == report2["blocks"] == 1
    build(md.replace('print("result")', 'print("changed")'))
    assert runs.read_text().count("ran") == 2
    real = buildcache.source_hashes()
    monkeypatch.setattr(buildcache, "source_hashes", lambda package=None: {**real, "new_lesson.py": "0"})
    build(md)
    assert runs.read_text().count("ran") == 2, "a module the page never loaded made it run again"
    monkeypatch.setattr(buildcache, "source_hashes", lambda package=None: {**real, "perceptron.py": "0"})
    build(md)
    assert runs.read_text().count("ran") == 3, "an edit of a module the page loaded did not make it run"
    monkeypatch.setattr(buildcache, "source_hashes", lambda package=None: real)
    monkeypatch.setenv("DLNOTES_PAGECODE_CACHE", "0")
    _, report = build(md)
    assert runs.read_text().count("ran") == 4 and report["ran"] == 1


# ---- the worker that runs pages ahead of the build ----------------------------------------------

def test_the_worker_gives_what_the_build_would_have_computed():
    jobs = [pagecode.Job("k-plot", "plot.md", ["import matplotlib.pyplot as plt", "plt.plot([1, 2])\nprint(6 * 7)"]),
            pagecode.Job("k-fail", "fail.md", ["1 / 0"]),
            pagecode.Job("k-warn", "warn.md", ["import numpy as np", "print(np.exp(np.float32(1000)))"])]
    prefetcher = pagecode.Prefetcher(jobs)
    try:
        prefetcher.thread.join(timeout=120)  # let it run every job before the build asks
        assert not prefetcher.thread.is_alive()
        got = {job.label: prefetcher.take(job.key) for job in jobs}
        assert prefetcher.take("a page it never had") is None
    finally:
        prefetcher.stop()
    assert prefetcher.process.returncode is not None, "the worker process must end"
    assert got["fail.md"] is None  # the build runs it again and reports the error itself
    with pytest.raises(pagecode.PageCodeError, match="ZeroDivisionError"):
        pagecode.run_blocks(jobs[1].codes, "fail.md")
    for job in (jobs[0], jobs[2]):
        expected = pagecode.run_blocks(job.codes, job.label)  # in this process, as the build would
        outcomes, modules = got[job.label]
        assert [(o.text, o.figures) for o in outcomes] == [(o.text, o.figures) for o in expected]
        assert any(m.endswith("plotting.py") for m in modules)  # what the worker had loaded
    assert got["plot.md"][0][1].text == "42\n" and len(got["plot.md"][0][1].figures) == 1
    assert "RuntimeWarning: overflow" in got["warn.md"][0][1].text


def test_a_page_the_build_reaches_first_is_withdrawn_from_the_worker(tmp_path):
    marker = tmp_path / "ran.txt"
    job = pagecode.Job("k", "slow.md", [f"open({str(marker)!r}, 'a').write('worker ')"])
    prefetcher = pagecode.Prefetcher([job])
    try:
        result = prefetcher.take("k")  # most likely before the worker is ready (it imports first)
        if result is None:  # withdrawn: the worker never runs it
            prefetcher.thread.join(timeout=60)
            assert not marker.exists()
        else:  # the worker was already on it: the build waited for its result
            assert marker.read_text() == "worker "
    finally:
        prefetcher.stop()


# ---- notebooks ----------------------------------------------------------------------------------

notebooks = load_hook("notebooks")


def write_notebook(path, *cells):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_notebook_cell_that_raises_fails_the_build(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('broken cell')", "y = 2")
    with pytest.raises(notebooks.NotebookError, match="broken cell"):
        notebooks.execute(nb)


def test_a_missing_glyph_in_a_notebook_fails_the_build(tmp_path):
    nb = write_notebook(tmp_path / "boxes.ipynb", "import matplotlib\nmatplotlib.use('Agg')\n"
                        "import matplotlib.pyplot as plt\nplt.rcParams['font.family'] = ['DejaVu Sans']\n"
                        "plt.title('시그모이드')\nplt.gcf().canvas.draw()")
    with pytest.raises(notebooks.NotebookError, match="missing from"):
        notebooks.execute(nb)


def test_an_executed_notebook_is_reused_only_while_it_is_unchanged(tmp_path, monkeypatch):
    import nbformat

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("DLNOTES_PAGECODE_CACHE", raising=False)
    monkeypatch.setattr(buildcache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(notebooks, "_STATE", {**notebooks._STATE, "depth": 0, "running": {}, "sources": {}})
    runs = []
    real_execute = notebooks.execute
    monkeypatch.setattr(notebooks, "execute", lambda path, label=None: runs.append(label) or real_execute(path, label))
    nb = write_notebook(tmp_path / "demo.en.ipynb", "print(6 * 7)")
    config = type("Config", (), {"docs_dir": str(tmp_path / "docs")})()

    def build():
        notebooks.on_pre_build(config)
        try:
            copy = notebooks.executed_copy(nb, "demo.en.ipynb")
        finally:
            notebooks.on_post_build(config)
        return nbformat.read(copy, as_version=4)

    first = build()
    assert first.cells[0].outputs[0]["text"] == "42\n" and len(runs) == 1
    assert build().cells[0].outputs == first.cells[0].outputs and len(runs) == 1
    write_notebook(nb, "print(6 * 8)")
    assert build().cells[0].outputs[0]["text"] == "48\n" and len(runs) == 2


def test_notebook_styles_go_to_one_shared_file(tmp_path):
    css_page = ('<div>a</div><style type="text/css">\n@charset "UTF-8";.jp-Cell{color:red}</style>'
                '<style>.jp-X{margin:0}</style><p>b</p>\n<style>\n[\'pre { line-height: 125%; }\']</style>')
    html_ko, path_ko = notebooks.move_styles_to_file(css_page, tmp_path, "lessons/nb")
    html_en, path_en = notebooks.move_styles_to_file(css_page, tmp_path, "en/lessons/nb")
    assert path_ko == path_en, "the same CSS must be the same file"
    assert "<style" not in html_ko and "<div>a</div>" in html_ko and "<p>b</p>" in html_ko
    assert html_ko.count("<link") == 1
    href = re.search(r'href="([^"]+)"', html_en).group(1)
    assert os.path.normpath(os.path.join("en/lessons/nb", href)) == path_en
    css = (tmp_path / path_ko).read_text(encoding="utf-8")
    assert css.startswith('@charset "UTF-8";') and css.count("@charset") == 1
    assert css.index(".jp-Cell{color:red}") < css.index(".jp-X{margin:0}") and "line-height: 125%" not in css


def test_notebook_pages_are_small_and_their_outputs_stay_out_of_search(built_site):
    from bs4 import BeautifulSoup

    site = built_site[0]
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for notebook in NOTEBOOKS:
        name, lang = rel(notebook).split(".")[0], notebook.suffixes[-2].lstrip(".")
        page = site / ("en" if lang == "en" else "") / name / "index.html"
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        assert not [s for s in soup.find_all("style") if len(s.get_text()) > 2000], "JupyterLab CSS inlined"
        (link,) = [a for a in soup.find_all("link", rel="stylesheet") if "jupyter" in a["href"]]
        assert (page.parent / link["href"]).resolve().is_file()
        images = sum(len(img["src"]) for img in soup.select(".jp-OutputArea img"))
        assert len(html) - images < 120_000, f"{page}: {len(html) - images} bytes besides its figures"
        url = name + "/"
        texts = " ".join(d["text"] for d in index["docs"] if d["location"].split("#")[0].endswith(url))
        assert texts, f"{url} is not in the search index"
        outputs = [o.get_text(" ", strip=True) for o in soup.select(".jp-OutputArea")]
        outputs = [o for o in outputs if len(o) > 20]
        assert outputs, "the notebook shows outputs"
        for text in outputs:
            assert text[:40] not in texts, f"notebook output in the search index: {text[:40]!r}"
        assert "Copied!" not in texts and "In [1]:" not in texts


def test_a_rendered_notebook_is_reused_only_for_the_same_executed_notebook(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from mkdocs.structure.toc import get_toc

    toc = [{"level": 1, "id": "title", "name": "Title", "children": [
        {"level": 2, "id": "part", "name": "Part", "children": []}]}]
    executed = tmp_path / "nb.ko.ipynb"
    executed.write_text('{"cells": []}', encoding="utf-8")
    monkeypatch.setattr(notebooks, "_STATE", {**notebooks._STATE, "cache": buildcache.Cache(tmp_path / "cache"),
                                              "fingerprint": "f"})
    renders = []

    def page_with(content):
        page = SimpleNamespace(file=SimpleNamespace(src_uri="nb.ko.ipynb", abs_src_path=str(executed)))

        def jupyter_render(config, files):  # what mkdocs-jupyter's render sets
            renders.append(content)
            page.content, page.toc, page.title = content, get_toc(toc), "Title"
        page.render = jupyter_render
        notebooks._cache_rendering(page, {"theme": "", "show_input": True})
        page.render(None, None)
        return page

    first, second = page_with("<p>one</p>"), page_with("<p>two</p>")
    assert renders == ["<p>one</p>"] and second.content == "<p>one</p>" and second.title == "Title"
    assert [(a.title, a.id, [c.id for c in a.children]) for a in second.toc] == [("Title", "title", ["part"])]
    executed.write_text('{"cells": [1]}', encoding="utf-8")  # another execution: rendered again
    assert page_with("<p>three</p>").content == "<p>three</p>" and len(renders) == 2
