"""Every lesson page is also a Jupyter notebook, generated from the page at build time (MkDocs hook).

For each lesson page ``docs/lessons/NN-slug.<lang>.md`` the build writes ``NN-slug.<lang>.ipynb``
beside the built page (``lessons/NN-slug/`` in Korean, ``en/lessons/NN-slug/`` in English), and
puts two links under the page's title: a download of that file, and "Open in Colab", which opens
the copy that .github/workflows/pages.yml publishes to the ``notebooks`` branch (the site itself
is deployed as an artifact, so the file is not in the repository). Nothing is written twice:

- the page's prose becomes Markdown cells: ``$...$`` math kept for Jupyter; site-relative links
  made absolute links to the hosted site when ``site_url`` is set (relative to the notebook's
  place in the site otherwise); admonitions and collapsed blocks become a bold title line with
  their content; MkDocs-only syntax (``{ #id }``, attribute lists) dropped; a heading that a link
  on the page points to gets an ``<a id>`` so the link still works;
- each ```` ```python ```` block that the page runs becomes a code cell, with its ``--8<--``
  snippet lines expanded by tools/hooks/pagecode.py: exactly the code the page runs;
- an exercise's worked solution (a ``??? success`` block in the exercise's list item; its hint,
  ``??? tip``, stays as text) becomes an empty code cell with a comment saying what to write
  and, when the solution calls ``check(...)``, a cell with that call written so that it also
  runs on the empty stub (``check("softmax", globals().get("softmax_columns"))`` says "write it
  first");
- a first cell installs dlnotes from the repository when it is missing (Colab), and on Korean
  notebooks sets ``DLNOTES_LANG=ko`` so ``check`` answers in Korean.

The notebook is valid nbformat 4, has no outputs, and is the same bytes for the same page (cell
ids come from the cells' positions and sources). tests/test_lesson_notebooks.py executes them.
"""

import ast
import hashlib
import html
import importlib.util
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority

LESSON = re.compile(r"^lessons/(?P<stem>\d\d-[\w-]+)\.(?P<lang>[a-z]{2})\.md$")  # a page's src_uri
DEFAULT_LANG = "ko"  # served at the site's root; other languages under /<lang>/
NOTEBOOKS_BRANCH = "notebooks"  # where .github/workflows/pages.yml publishes the site's notebooks
COLAB = "https://colab.research.google.com/github/{repo}/blob/{branch}/{path}"

ADMONITION = re.compile(r'^(?P<indent>[ \t]*)(?:!!!|\?\?\?\+?)[ \t]+(?P<type>[\w-]+)(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
TAB = re.compile(r'^(?P<indent>[ \t]*)===\+?[ \t]+"(?P<title>[^"]*)"[ \t]*$')
SOLUTION = re.compile(r"^(?P<indent>[ \t]*)\?\?\?\+?[ \t]+success\b")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*(?:\{(?P<attrs>[^{}]*)\})?[ \t]*$")
LIST_NUMBER = re.compile(r"^[ \t]*(?P<n>\d+)[.)][ \t]")
ABBREVIATION = re.compile(r"^\*\[[^\]]+\]:")
# inline code, inline math, and the two things we change in prose: links and attribute lists
INLINE = re.compile(r"(?P<code>(?P<ticks>`+)[^`].*?(?P=ticks))|(?P<math>\$(?!\$)[^$]+\$)"
                    r"|(?P<link>(?P<text>!?\[[^\]]*\])\((?P<url>[^)\s]+)(?P<title>[ \t]+\"[^\"]*\")?\))"
                    r"|(?P<attrs>[ \t]*\{:?[ \t]*[#.][^{}\n]*\})", re.S)
REFERENCE = re.compile(r"^(?P<head>[ \t]*\[(?!\^)[^\]]+\]:[ \t]*)(?P<url>\S+)", re.M)
GENERATED = "\0"  # marks a line the converter wrote itself: not transformed again

TEXT = {
    "ko": {
        "setup": ("# 먼저 이 셀을 실행하세요. dlnotes가 없으면(예: Colab) 저장소에서 설치합니다.\n"
                  "# 이미 설치되어 있으면 아무것도 하지 않습니다."),
        "lang": 'os.environ["DLNOTES_LANG"] = "ko"  # check(...)가 한국어로 답합니다',
        "torch": "이 강의에는 PyTorch도 필요합니다(Colab에는 있습니다). 강의 페이지의 설치 절을 보세요.",
        "hypothesis": "# 사이트와 같은 Hypothesis 설정: 실행할 때마다 같은 예, 예마다 시간 제한 없음",
        "intro": ("*이 노트북은 강의 페이지 [{title}]({url})의 내용을 셀 단위로 옮긴 것입니다. 셀을 위에서부터 차례로 "
                  "실행하세요. 연습 문제에는 직접 코드를 쓸 빈 셀이 있습니다.*"),
        "exercise": "# 연습 문제 {n}: 여기에 직접 코드를 써 보세요.",
        "write": "# 만들 것: {names}",
        "check": "# 다 쓰면 다음 셀을 실행하세요. check가 확인해 줍니다.",
        "solution": "# 풀이는 강의 페이지에 있습니다: {url}",
        "download": "노트북 내려받기",
        "colab": "Colab에서 열기",
        "label": "이 강의의 노트북",
    },
    "en": {
        "setup": ("# Run this cell first. It installs dlnotes from the repository when it is missing\n"
                  "# (on Colab, say); where dlnotes is installed it does nothing."),
        "lang": "",
        "torch": "This lesson also needs PyTorch (Colab has it): see the lesson page's install section.",
        "hypothesis": "# Hypothesis as on the site: the same examples on every run, no time limit per example",
        "intro": ("*This notebook is the lesson page [{title}]({url}), cell by cell: run the cells in "
                  "order. The exercises have empty cells for your own code.*"),
        "exercise": "# Exercise {n}: write your code here.",
        "write": "# To write: {names}",
        "check": "# Then run the next cell: check tests it.",
        "solution": "# A worked solution is on the lesson page: {url}",
        "download": "Download notebook",
        "colab": "Open in Colab",
        "label": "This lesson as a notebook",
    },
}
ICONS = {  # Material Design icons (Apache 2.0), inline: no request
    "download": "M5 20h14v-2H5m14-9h-4V3H9v6H5l7 7z",
    "colab": ("M14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3m-2 16H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 "
              "2 2h14a2 2 0 0 0 2-2v-7h-2z"),
}


def _sibling(name):
    """Import tools/hooks/<name>.py (a helper module beside this hook, not a hook itself)."""
    spec = importlib.util.spec_from_file_location(f"dlnotes_hooks_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pagecode = _sibling("pagecode")  # find_blocks / expand_snippets: one snippet engine for the site


# ---- where things are ---------------------------------------------------------------------------


def lesson_of(src_uri):
    """``(stem, lang)`` of a lesson page's source path (``lessons/03-softmax.en.md``), else None."""
    m = LESSON.match(src_uri)
    return (m["stem"], m["lang"]) if m else None


def page_url(src_uri):
    """The page's URL path from the site root, as MkDocs and mkdocs-static-i18n make it
    (directory URLs, the default language at the root): ``en/lessons/03-softmax/``."""
    path = re.sub(r"\.(md|ipynb)$", "", src_uri)
    lang = DEFAULT_LANG
    m = re.fullmatch(r"(?P<path>.+)\.(?P<lang>[a-z]{2})", path)
    if m:
        path, lang = m["path"], m["lang"]
    path = "" if path == "index" else path[: -len("index")] if path.endswith("/index") else path + "/"
    return ("" if lang == DEFAULT_LANG else f"{lang}/") + path


def notebook_path(src_uri):
    """The notebook's path in the built site: ``en/lessons/03-softmax/03-softmax.en.ipynb``."""
    return page_url(src_uri) + posixpath.basename(src_uri)[: -len(".md")] + ".ipynb"


def colab_url(src_uri, repo_url, branch=NOTEBOOKS_BRANCH):
    """Colab's URL for the published copy: the branch holds the site's notebooks at their site paths."""
    repo = urlsplit(repo_url).path.strip("/").removesuffix(".git")
    return COLAB.format(repo=repo, branch=branch, path=notebook_path(src_uri))


def _relative(url, base):
    """``url`` relative to the folder ``base`` (both paths from the site root)."""
    rel = posixpath.relpath("/" + url, "/" + base.rstrip("/") or "/")
    if url.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return "./" if rel in ("./", ".") else rel


# ---- from Markdown to cells ---------------------------------------------------------------------


class Converter:
    """Turns one page's Markdown into notebook cells (``convert``).

    ``resolve(target)`` maps a docs-relative path (``lessons/04-output-and-loss.md``) to its URL
    path in the site (in the build: MkDocs' own files); where it gives None, or without it,
    :func:`page_url` for pages (in the page's language) and the path itself for other files.
    """

    def __init__(self, markdown, src_uri, lang, site_url="", resolve=None):
        self.lines = []
        for line in markdown.splitlines():  # --8<-- includes, in prose too (as pymdownx.snippets)
            try:
                self.lines += pagecode.expand_snippets([line])
            except pagecode.PageCodeError:
                self.lines.append(line)  # not one the page code engine reads: pymdownx.snippets' own
        self.src_uri, self.lang = src_uri, lang
        self.site_url = (site_url or "").rstrip("/") + "/" if site_url else ""
        self.resolve = resolve or self._default_resolve
        self.here = page_url(src_uri)
        self.text = TEXT.get(lang, TEXT["en"])
        self.cells = []  # (cell_type, source)
        self.markdown = []

    def _default_resolve(self, target):
        if target.endswith((".md", ".ipynb")):
            stem, _, ext = target.rpartition(".")
            if not re.search(r"\.[a-z]{2}$", stem):  # a link to a page in the page's language
                target = f"{stem}.{self.lang}.{ext}"
            return page_url(target)
        return target  # other files (figures, downloads) are shared by the languages, at the root

    def url(self, target):
        """What a link of the page to ``target`` becomes in the notebook."""
        parts = urlsplit(target)
        if parts.scheme or target.startswith(("//", "#")) or not parts.path:
            return target
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.src_uri), parts.path))
        url = self.resolve(path)
        if url is None:  # not a file of this build: where the site would put it
            url = self._default_resolve(path)
        if url == self.here and parts.fragment:  # a section of this page: the notebook has it
            return f"#{parts.fragment}"
        url = self.site_url + url if self.site_url else _relative(url, self.here)
        return url + (f"#{parts.fragment}" if parts.fragment else "")

    def page_link(self):
        """The lesson page itself, as the notebook links it."""
        return self.site_url + self.here if self.site_url else "./"

    # -- prose

    def inline(self, text):
        """Links and attribute lists of a stretch of prose (code spans and math left alone)."""
        def replace(m):
            if m["link"]:
                return f'{m["text"]}({self.url(m["url"])}{m["title"] or ""})'
            return "" if m["attrs"] else m.group(0)

        text = REFERENCE.sub(lambda m: m["head"] + self.url(m["url"]), text)
        return INLINE.sub(replace, text)

    def heading_ids(self):
        """Ids of the headings, in order (explicit ``{ #id }`` or the slug MkDocs' toc makes)."""
        from pymdownx.slugs import slugify

        slug = slugify(case="lower")
        ids = {}
        fence = None
        for n, line in enumerate(self.lines):
            m = pagecode.FENCE_OPEN.match(line)
            if fence:
                fence = None if m and m["fence"].startswith(fence) and not m["info"] else fence
                continue
            if m:
                fence = m["fence"]
                continue
            h = HEADING.match(line)
            if h:
                explicit = re.search(r"#([\w-]+)", h["attrs"] or "")
                ids[n] = explicit.group(1) if explicit else slug(re.sub(r"[*_`]", "", h["text"]), "-")
        return ids

    def flush(self):
        """End the current Markdown cell: prose transformed a paragraph at a time (a link's text may
        run over two lines), code and display math as they are, one blank line between blocks."""
        lines, prose, fence, math = [], [], None, False

        def end_prose():
            if prose:
                lines.extend(self.inline("\n".join(prose)).split("\n"))
                prose.clear()

        for line in self.markdown:
            m = pagecode.FENCE_OPEN.match(line)
            stripped = line.strip()
            if fence or math or m or stripped.startswith("$$") or line.startswith(GENERATED):
                end_prose()
                lines.append(line.removeprefix(GENERATED))
                if fence:
                    fence = None if m and m["fence"].startswith(fence) and not m["info"] else fence
                elif m:
                    fence = m["fence"]
                elif math or stripped.startswith("$$"):
                    math = _in_math(math, stripped)
            elif not stripped:
                end_prose()
                lines.append("")
            else:
                prose.append(line)
        end_prose()
        collapsed, fence = [], None
        for line in lines:  # one blank line between blocks (not inside code)
            m = pagecode.FENCE_OPEN.match(line)
            if m:
                fence = None if fence and m["fence"].startswith(fence) and not m["info"] else fence or m["fence"]
            if fence or line.strip() or (collapsed and collapsed[-1].strip()):
                collapsed.append(line if line.strip() or fence else "")
        text = "\n".join(collapsed).strip("\n")
        if text.strip():
            self.cells.append(("markdown", text))
        self.markdown = []

    # -- the page, line by line

    def convert(self):
        """Return the page's cells as ``(cell_type, source)`` pairs (the setup cell not included)."""
        lines = self.lines
        blocks = {b.first: b for b in pagecode.find_blocks("\n".join(lines))}
        heading_ids = self.heading_ids()
        own = re.escape(posixpath.basename(self.src_uri).split(".")[0])
        linked = set(re.findall(rf"\]\((?:{own}(?:\.[a-z]{{2}})?\.md)?#([\w-]+)\)", "\n".join(lines)))
        containers = []  # indents (columns) of the admonitions / tabs we are inside
        math = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.strip():
                column = _width(line)
                while containers and column <= containers[-1]:
                    containers.pop()
            shift = 4 * len(containers)
            solution = SOLUTION.match(line)
            if solution:
                end = _container_end(lines, i)
                self.flush()
                self.solution(i, end)
                i = end
                continue
            if i in blocks:
                block = blocks[i]
                if block.runs:
                    self.flush()
                    self.cells.append(("code", block.code))
                else:
                    indent = _dedent(block.indent, shift)
                    fence = pagecode.FENCE_OPEN.match(line)["fence"]
                    self.markdown.append(f"{indent}{fence}{block.language}")
                    self.markdown += [indent + code if code else "" for code in block.code.splitlines()]
                    self.markdown.append(indent + fence)
                i = block.last + 1
                continue
            stripped = line.strip()
            if math or stripped.startswith("$$"):  # display math: kept as it is
                self.markdown.append(_dedent_line(line, shift))
                math = _in_math(math, stripped)
                i += 1
                continue
            container = ADMONITION.match(line) or TAB.match(line)
            if container:
                title = container["title"]
                if title is None and "type" in container.groupdict():
                    title = container["type"].replace("-", " ").capitalize()
                indent = _dedent(container["indent"], shift)
                self.markdown += ["", f"{indent}**{title}**", ""] if title else [""]
                containers.append(_width(container["indent"]))
                i += 1
                continue
            heading = HEADING.match(line) if not containers else None
            if heading:
                self.flush()
                anchor = heading_ids.get(i)
                if anchor in linked:
                    self.markdown += [f'{GENERATED}<a id="{anchor}"></a>', ""]
                self.markdown.append(f'{heading["hashes"]} {heading["text"]}')
                if len(heading["hashes"]) == 1 and not any(kind == "code" for kind, _ in self.cells):
                    url = self.page_link()
                    self.markdown += ["", GENERATED + self.text["intro"].format(title=heading["text"], url=url)]
                i += 1
                continue
            if ABBREVIATION.match(line.strip()):
                i += 1
                continue
            self.markdown.append(_dedent_line(line, shift))
            i += 1
        self.flush()
        return self.cells

    def solution(self, start, end):
        """The stub cell (and check cell) that stand for the solution in lines [start, end)."""
        indent = SOLUTION.match(self.lines[start])["indent"]
        number = None  # the exercise's number: the list item the solution sits in
        for line in reversed(self.lines[:start]):
            if not line.strip() or _width(line) >= len(indent.expandtabs(4)):
                continue
            m = LIST_NUMBER.match(line)
            if m or _width(line) == 0:
                number = m["n"] if m else None
                break
        code = "\n".join(b.code for b in pagecode.find_blocks("\n".join(self.lines[start:end])) if b.runs)
        defined, signatures, checks = solution_parts(code)
        stub = [self.text["exercise"].format(n=number or "").replace(" :", ":")]
        if signatures:
            stub.append(self.text["write"].format(names=", ".join(signatures)))
        if checks:
            stub.append(self.text["check"])
        if self.site_url:
            stub.append(self.text["solution"].format(url=self.page_link() + "#exercises"))
        self.cells.append(("code", "\n".join(stub) + "\n"))
        if checks:
            self.cells.append(("code", "from dlnotes.exercises import check\n\n" + "\n".join(checks)))


def _in_math(math, stripped):
    """Whether display math goes on after a line (``stripped``) that is in it or opens it."""
    if math:
        return not stripped.endswith("$$")
    return not (len(stripped) >= 4 and stripped.endswith("$$"))  # $$ opens, $$ x $$ is one line


def _width(text):
    """Columns of indentation (tabs as four)."""
    text = text.expandtabs(4)
    return len(text) - len(text.lstrip())


def _dedent(indent, shift):
    return indent.expandtabs(4)[shift:]


def _dedent_line(line, shift):
    width = len(line) - len(line.lstrip(" "))
    return line[min(width, shift):]


def _container_end(lines, start):
    """Index of the first line after the ``???``/``!!!`` block that opens at ``lines[start]``."""
    column = _width(lines[start])
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or _width(lines[end]) > column):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def solution_parts(code):
    """What a solution's code defines and which ``check`` calls it makes.

    Returns ``(defined names, signatures of its top-level functions and classes, check calls)``;
    each check call is rewritten so that it runs when the names the solution defines do not
    exist yet (the learner's cell is still empty): a name it defines becomes
    ``globals().get("name")`` (``check`` answers "write it first" for None), an expression that
    uses such names becomes ``(expression) if ... in globals() else None``.
    """
    if not code.strip():
        return set(), [], []
    tree = ast.parse(code)
    defined, signatures = set(), []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.add(node.name)
            signatures.append(f"{node.name}({ast.unparse(node.args)})")
        elif isinstance(node, ast.ClassDef):
            defined.add(node.name)
            signatures.append(f"class {node.name}")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names} - {"check"}
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_check(n.func)),
                   key=lambda n: (n.lineno, n.col_offset))
    checks = []
    for call in calls:
        def source(node):
            return ast.get_source_segment(code, node) or ast.unparse(node)

        args = [source(a) for a in call.args]
        if len(call.args) >= 2:
            args[1] = _safe(call.args[1], defined, source)
        keywords = [f"{k.arg}={_safe(k.value, defined, source) if k.arg == 'fn' else source(k.value)}"
                    if k.arg else f"**{source(k.value)}" for k in call.keywords]
        checks.append(f"check({', '.join(args + keywords)})")
    return defined, signatures, checks


def _is_check(func):
    return (isinstance(func, ast.Name) and func.id == "check") or (
        isinstance(func, ast.Attribute) and func.attr == "check")


def _safe(node, defined, source):
    """``node``'s source, written so that it gives None while a name the solution defines is missing."""
    if isinstance(node, ast.Name) and node.id in defined:
        return f'globals().get("{node.id}")'
    used = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & defined)
    if not used:
        return source(node)
    condition = " and ".join(f'"{name}" in globals()' for name in used)
    return f"({source(node)}) if {condition} else None"


# ---- the notebook -------------------------------------------------------------------------------


def setup_cell(lang, repo_url, code):
    """The first cell: install dlnotes when missing; Korean check messages; PyTorch, Hypothesis."""
    text = TEXT.get(lang, TEXT["en"])
    repo = repo_url.rstrip("/").removesuffix(".git")
    lines = [text["setup"], "import importlib.util"]
    if lang == "ko":
        lines.append("import os")
    lines += ["", 'if importlib.util.find_spec("dlnotes") is None:',
              f'    %pip install --quiet "dlnotes[learn] @ git+{repo}"']
    if re.search(r"^\s*(import|from)\s+torch\b", code, re.M):
        lines += ["", 'if importlib.util.find_spec("torch") is None:', f'    print("{text["torch"]}")']
    if lang == "ko":
        lines += ["", text["lang"]]
    if re.search(r"^\s*(import|from)\s+hypothesis\b", code, re.M):
        lines += ["", text["hypothesis"], "from hypothesis import settings", "",
                  'settings.register_profile("dlnotes", derandomize=True, deadline=None, database=None)',
                  'settings.load_profile("dlnotes")']
    return "\n".join(lines)


def lesson_notebook(markdown, src_uri, repo_url, site_url="", resolve=None):
    """The notebook (an ``nbformat.NotebookNode``) for the lesson page ``src_uri`` with this Markdown."""
    import nbformat

    lang = lesson_of(src_uri)[1] if lesson_of(src_uri) else DEFAULT_LANG
    cells = Converter(markdown, src_uri, lang, site_url, resolve).convert()
    code = "\n".join(source for kind, source in cells if kind == "code")
    cells.insert(0, ("code", setup_cell(lang, repo_url, code)))
    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.from_dict({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    seen = set()
    for n, (kind, source) in enumerate(cells):
        cell_id = f"{kind[:2]}-" + hashlib.sha256(f"{n}\0{source}".encode("utf-8")).hexdigest()[:10]
        assert cell_id not in seen
        seen.add(cell_id)
        # The cells nbformat.v4.new_code_cell / new_markdown_cell make, without validating each
        # one on its own (two thirds of this function's time): the notebook is validated once.
        cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source.rstrip("\n")}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        nb.cells.append(nbformat.from_dict(cell))
    nbformat.validate(nb)
    return nb


def notebook_text(nb):
    """The notebook as the file's text (nbformat's own layout: sorted keys, one-space indents)."""
    import nbformat

    return nbformat.writes(nb) + "\n"


# ---- the links on the page ----------------------------------------------------------------------


def links_html(src_uri, repo_url):
    """The download and Colab links placed under a lesson's title."""
    lang = lesson_of(src_uri)[1]
    text = TEXT.get(lang, TEXT["en"])
    name = posixpath.basename(notebook_path(src_uri))

    def icon(kind):
        return (f'<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">'
                f'<path d="{ICONS[kind]}"/></svg>')

    colab = html.escape(colab_url(src_uri, repo_url), quote=True)
    return (f'<div class="dl-notebook-links" role="group" aria-label="{text["label"]}" data-search-exclude>'
            f'<a class="dl-notebook-download" href="{name}" download="{name}" type="application/x-ipynb+json">'
            f'{icon("download")}<span>{text["download"]}</span></a>'
            f'<a class="dl-notebook-colab" href="{colab}">{icon("colab")}<span>{text["colab"]}</span></a>'
            f"</div>")


# ---- MkDocs hook -------------------------------------------------------------------------------


def _resolver(files):
    def resolve(target):
        file = files.get_file_from_path(target)
        return None if file is None else file.url

    return resolve


@event_priority(50)  # before tools/hooks/pagecode.py (0) expands snippets and inserts outputs
def on_page_markdown(markdown, page, config, files):
    if lesson_of(page.file.src_uri) is None:
        return markdown
    nb = lesson_notebook(markdown, page.file.src_uri, config.repo_url, config.site_url or "", _resolver(files))
    target = Path(config.site_dir) / notebook_path(page.file.src_uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(notebook_text(nb), encoding="utf-8")
    return markdown


def on_page_content(page_html, page, config, files):
    if lesson_of(page.file.src_uri) is None:
        return page_html
    links = links_html(page.file.src_uri, config.repo_url)
    end = page_html.find("</h1>")
    if end < 0:
        return links + page_html
    end += len("</h1>")
    return page_html[:end] + links + page_html[end:]
