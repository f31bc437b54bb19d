"""The built pages are correct as a reader sees them, in both languages.

* No Markdown is left as raw text: a table, list or admonition that did not render (a paragraph
  starting with ``|``, ``!!!`` or ``???``, list items run into a paragraph), a snippet line
  ``--8<--``, attribute-list text such as ``{ #id }``, ``[text](link)`` or ``**bold**``.
* Every row of the glossary links the first lesson whose page uses one of the row's terms,
  recomputed here from the built lesson pages (tools/hooks/glossary.py computes it from the
  Markdown sources at build time; the two must agree).
* Every internal link and ``#anchor`` resolves: npm's linkinator crawls the whole build, offline.
"""

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup

from conftest import DOCS, ROOT, built_soup, load_hook, page_soup

glossary = load_hook("glossary")

NODE_DIR = ROOT / "tools" / "node"
LINKINATOR = NODE_DIR / "node_modules" / ".bin" / "linkinator"
IN_CI = bool(os.environ.get("CI"))
NOT_CONTENT = "pre, code, script, style, math, .headerlink, .md-content__button, .dl-download"


# Blocks that never nest in these pages; cut before parsing, as highlighted code is most of the tags.
CUT = re.compile(r"<(pre|math|script|style|svg)\b.*?</\1>", re.S | re.I)


def article(html):
    """The page's content (Material's <article>), without code, math and permalinks."""
    soup = page_soup(CUT.sub(" ", html))
    content = soup.select_one("article") or soup
    for tag in content.select(NOT_CONTENT):
        tag.decompose()
    return content


def html_pages(site):
    """The site's pages (Material's page template, with an <article>), 404 page excepted."""
    return sorted(p for p in site.rglob("*.html")
                  if p.name != "404.html" and "<article" in p.read_text(encoding="utf-8"))


# ---- raw Markdown ------------------------------------------------------------------------------

RAW_LINE = re.compile(r"^\s*(\|.*\||!!!|\?\?\?|--8<--|[-*+] \S|\d+\. \S)")
RAW_ANYWHERE = [
    (re.compile(r"\{:?\s*[#.][\w-][^{}]*\}"), "attribute list"),
    (re.compile(r"--8<--"), "snippet line"),
    (re.compile(r"\]\((?:[\w./#-]+)\)"), "Markdown link"),
    (re.compile(r"(?<![\w*])\*\*[^\s*][^*]*\*\*"), "bold markers"),
]


def raw_markdown(html):
    """Descriptions of Markdown left as text in a page's HTML (code and math excepted)."""
    content = article(html)
    problems = []
    for p in content.find_all("p"):
        # the paragraph's own HTML: "<strong>1. Set up</strong>" is not a list that failed
        for line in p.decode_contents().splitlines():
            if RAW_LINE.match(line):
                problems.append(f"paragraph line {line.strip()[:70]!r}")
    text = content.get_text(" ")
    for pattern, what in RAW_ANYWHERE:
        problems += [f"{what} {m.group(0)[:70]!r}" for m in pattern.finditer(text)]
    return problems


def test_raw_markdown_is_caught():
    import markdown

    md = markdown.Markdown(extensions=["tables", "admonition", "attr_list", "md_in_html"])
    broken = md.convert(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n\n"  # the home page's table, cut by a blank line
        "Steps:\n- one\n- two\n\n"  # a list glued to its paragraph
        "  !!! note\n\n"
        "A title {: #x } in the middle of a paragraph.\n\n"
        "<div>**raw** and [a link](x.md) in HTML</div>\n"
    )
    found = " ".join(raw_markdown(f"<article>{broken}</article>"))
    for expected in ("'| 3 | 4 |'", "'- one'", "'!!! note'", "attribute", "bold", "Markdown link"):
        assert expected in found, (expected, found)
    fine = md.convert("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nSteps:\n\n- one\n- two\n\n"
                      "!!! note\n    Text.\n\n## Title { #x }\n\n`{ #id }` and `**kw`\n")
    assert raw_markdown(f"<article>{fine}</article>") == []


@pytest.mark.build
def test_no_markdown_is_left_as_raw_text(built_site):
    site = built_site[0]
    problems = []
    for page in html_pages(site):
        problems += [f"{page.relative_to(site)}: {p}" for p in raw_markdown(page.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


# ---- the glossary's lesson column --------------------------------------------------------------


def lessons():
    """``{NN: "NN-slug"}`` from the lesson sources."""
    return {int(p.name[:2]): p.name.split(".")[0] for p in (DOCS / "lessons").glob("[0-9][0-9]-*.ko.md")}


def built(site, path, lang):
    return (site / "en" if lang == "en" else site) / path / "index.html"


def used(text, term, lang):
    """Whether ``text`` uses ``term``: a Korean term as the start of a word (particles follow),
    an English (or Latin-letter) term as a whole word, any case, plural allowed."""
    words = r"\s+".join(map(re.escape, term.split()))
    if lang == "en" or not re.search(r"[가-힣]", term):
        return re.search(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", text, re.I) is not None
    return re.search(rf"(?<![가-힣\w]){words}", text) is not None


@functools.lru_cache(maxsize=2)
def expected_lessons(site):
    """The first lesson using each glossary row, from the built lesson pages' text."""
    texts = {nn: {lang: article(built(site, f"lessons/{name}", lang).read_text(encoding="utf-8")).get_text(" ")
                  for lang in ("ko", "en")}
             for nn, name in lessons().items()}
    rows = glossary.read_rows((ROOT / glossary.INCLUDE).read_text(encoding="utf-8"))
    expected = {}
    for english, korean in rows:
        expected[(english, korean)] = next(
            (nn for nn in sorted(texts)
             if any(used(texts[nn]["ko"], t, "ko") for t in glossary.variants(korean))
             or any(used(texts[nn]["en"], t, "en") for t in glossary.variants(english))), None)
    return expected


@pytest.mark.build
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_glossary_row_links_the_first_lesson_that_uses_it(built_site, lang):
    site = built_site[0]
    page = built(site, "glossary", lang)
    soup = built_soup(page)
    table = next(t for t in soup.select("article table") if "한국어" in t.select_one("tr").get_text())
    expected = expected_lessons(site)
    seen = set()
    for tr in table.select("tbody tr"):
        english, korean, cell = (td.get_text(" ", strip=True) for td in tr.select("td"))
        key = (english, korean)
        assert key in expected, f"glossary row {key} is not in {glossary.INCLUDE}"
        seen.add(key)
        links = tr.select("td")[2].select("a")
        assert len(links) == 1, f"{key}: no lesson link"
        nn = expected[key]
        assert nn is not None, f"{key}: linked to lesson {cell}, but no lesson page uses its terms"
        target = urlparse(urljoin("http://site/" + ("en/" if lang == "en" else "") + "glossary/", links[0]["href"])).path
        want = "/" + ("en/" if lang == "en" else "") + f"lessons/{lessons()[nn]}/"
        assert (cell, target) == (str(nn), want), f"{key}: links {cell} ({target}), the first lesson using it is {nn}"
    # The rows no lesson uses yet are named below the table, and only those.
    waiting = [key for key, nn in expected.items() if nn is None]
    assert set(expected) - seen == set(waiting)
    text = article(page.read_text(encoding="utf-8")).get_text(" ")
    for english, korean in waiting:
        assert english in text and korean in text


def test_glossary_terms_are_read_as_documented():
    v = glossary.variants
    assert v("과대적합(오버피팅) / 가중치 감소 / 드롭아웃") == ["과대적합", "오버피팅", "가중치 감소", "드롭아웃"]
    assert v("온라인 추론 / 오프라인(배치) 추론") == ["온라인 추론", "오프라인 추론", "배치 추론"]
    assert v("logic gate (AND, OR, NAND, XOR)") == ["logic gate"]
    assert v("optimizer: Momentum, AdaGrad, RMSprop, Adam") == ["optimizer", "Momentum", "AdaGrad", "RMSprop", "Adam"]
    assert v("neuron, node") == ["neuron", "node"]
    text = glossary.prose("퍼셉트론은 `epoch` [링크](08-gradients.md) 편향을\n\n```python\nlearning_rate = 1\n```\n")
    assert used(text, "퍼셉트론", "ko") and used(text, "편향", "ko") and not used(text, "epoch", "en")
    assert not used(text, "gradient", "en") and not used(text, "learning rate", "en")
    assert glossary.uses("다층 퍼셉트론을", ["퍼셉트론"], "ko") and not glossary.uses("미니배치", ["배치"], "ko")
    assert glossary.uses("two Epochs", ["epoch"], "en") and not glossary.uses("max_epochs", ["epoch"], "en")


# ---- links and anchors -------------------------------------------------------------------------


def ensure_linkinator():
    """The link checker pinned in tools/node (``npm ci`` when node_modules is missing)."""
    if not LINKINATOR.exists():
        npm = shutil.which("npm")
        if npm is None:
            if IN_CI:
                pytest.fail("npm is missing: the link checker (tools/node) needs Node 20 and npm")
            pytest.skip("npm is not installed: Node 20 and npm run the link checker (tools/node)")
        subprocess.run([npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"], check=True)
    return LINKINATOR


@pytest.fixture(scope="session")
def linkinator():
    return ensure_linkinator()


def _offline_prefix():
    """Run a command in a network namespace with nothing but loopback, where Linux allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn", "sh", "-c", 'ip link set lo up 2>/dev/null; exec "$@"', "sh"]
    return []


def check_links(exe, site):
    """linkinator's verdict on every link, image, script and anchor of the site (offline)."""
    cmd = [str(exe), str(site), "--recurse", "--check-fragments", "--format", "json",
           # only what its own server serves from the site folder; the rest is another host
           "--skip", r"^(?!http://localhost:)", "--concurrency", "16", "--timeout", "30000"]
    result = subprocess.run(_offline_prefix() + cmd, capture_output=True, text=True, timeout=900)
    try:
        links = json.loads(result.stdout)["links"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"linkinator failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    checked = [link for link in links if link["state"] != "SKIPPED"]
    # Everything it fetched came from its own server: it reports those as paths in the site.
    assert all(link["url"].startswith(str(site)) for link in checked), "linkinator left the site"
    return links


HREF = re.compile(r"""\b(?:href|src)=["']([^"']*)["']""")


def link_sources(site):
    """``{target: [pages]}``: for every link in the site (a path, maybe #fragment), who links it."""
    sources = {}
    for page in html_pages(site):
        base = f"http://site/{page.parent.relative_to(site).as_posix()}/".replace("/./", "/")
        for ref in set(HREF.findall(page.read_text(encoding="utf-8"))):
            resolved = urlparse(urljoin(base, ref))
            if resolved.netloc == "site":
                target = resolved.path + (f"#{resolved.fragment}" if resolved.fragment else "")
                sources.setdefault(target, []).append(str(page.relative_to(site)))
    return sources


ID = re.compile(r"""\b(?:id|name)=["']([^"']+)["']""")


def missing_fragments(site):
    """``url#fragment (no such id, from pages)`` for every link to an anchor of another page
    that does not exist. linkinator checks a page's fragments only for some of the links that
    reach it (it fetches each page once), so cross-page anchors are checked here as well."""
    ids, problems = {}, []
    for target, pages in link_sources(site).items():
        path, _, fragment = target.partition("#")
        if not fragment:
            continue
        html = site / unquote(path).lstrip("/") / "index.html" if path.endswith("/") else site / unquote(path).lstrip("/")
        if html.suffix != ".html" or not html.is_file():
            continue  # a missing page is linkinator's 404
        if html not in ids:
            ids[html] = set(ID.findall(html.read_text(encoding="utf-8")))
        if unquote(fragment) not in ids[html]:
            problems.append(f"{target} (no such id, from {', '.join(pages)})")
    return problems


def broken(site, links):
    """``url (status, from pages)`` for every broken link linkinator reported, and every missing
    cross-page anchor."""
    bad = [link for link in links if link["state"] == "BROKEN"]
    sources = link_sources(site) if bad else {}
    return sorted({f"{link['url'][len(str(site)):]} (status {link['status']}, from "
                   f"{', '.join(sources.get(link['url'][len(str(site)):], ['?']))})" for link in bad}
                  | set(missing_fragments(site)))


@pytest.mark.build
def test_every_internal_link_and_anchor_resolves(built_site, linkinator):
    site = built_site[0]
    links = check_links(linkinator, site)
    problems = broken(site, links)
    assert not problems, "broken links:\n" + "\n".join(problems)
    # It crawled every page of both languages (the nav links them all).
    crawled = {link["url"].rstrip("/") for link in links if link["state"] == "OK"}
    pages = {str(p.parent).rstrip("/") for p in html_pages(site)}
    assert pages <= crawled, f"not crawled: {sorted(pages - crawled)}"


@pytest.mark.build
def test_the_link_checker_finds_a_planted_broken_link_and_anchor(built_site, linkinator, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site[0], site)
    page = site / "en" / "lessons" / "01-perceptron" / "index.html"
    planted = ('<a href="../03-softmax/#no-such-section">a</a> <a href="../99-no-such-lesson/">b</a> '
               '<a href="#nowhere">c</a>')
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</article>", planted + "</article>", 1), encoding="utf-8")
    problems = " ".join(broken(site, check_links(linkinator, site)))
    for url in ("/en/lessons/03-softmax/#no-such-section", "/en/lessons/99-no-such-lesson/",
                "/en/lessons/01-perceptron/#nowhere"):
        assert url in problems, f"{url} was not reported: {problems}"
    assert "from en/lessons/01-perceptron/index.html" in problems


# ---- highlighted code without invisible spans (tools/hooks/codespans.py) --------------------

codespans = load_hook("codespans")


def test_unwrapping_keeps_the_code_text_and_every_coloured_span():
    html = ('<pre><code><span class="n">x</span><span class="w"> </span><span class="o">=</span>'
            '<span class="w"> </span><span class="n">np</span><span class="o">.</span>'
            '<span class="n">exp</span><span class="p">(</span><span class="mf">1.5</span>'
            '<span class="o">**</span><span class="p">)</span><span class="w">  </span>'
            '<span class="c1"># 주석.</span><span class="nf">f</span><span class="nn">numpy</span></code></pre>')
    out = codespans.unwrap(html)
    assert BeautifulSoup(out, "html.parser").get_text() == BeautifulSoup(html, "html.parser").get_text()
    assert not re.search(r'class="[nwp]"', out)
    assert re.findall(r'<span class="o">([^<]*)</span>', out) == ["=", "**"]  # an attribute's dot goes
    for kept in ("mf", "c1", "nf", "nn"):
        assert out.count(f'class="{kept}"') == html.count(f'class="{kept}"')


def test_the_unwrapped_spans_differ_from_bare_code_text_in_no_style_of_their_own():
    """The hook is right only while Material draws `.n` in the code's own colour, `.w` plainly and
    `.p` with nothing but the punctuation colour, which this site sets to the code's own colour."""
    import material

    css = "".join(p.read_text(encoding="utf-8") for p in
                  (Path(material.__file__).parent / "templates" / "assets" / "stylesheets").glob("*.min.css"))
    names = re.findall(r"--md-code-hl-name-color:([^;}]+)", css)
    assert names and set(names) == {"var(--md-code-fg-color)"}
    assert re.findall(r"\.highlight \.n\s*\{([^}]*)\}", css) == ["color:var(--md-code-hl-name-color)"]
    assert re.findall(r"\.highlight \.p\s*\{([^}]*)\}", css) == ["color:var(--md-code-hl-punctuation-color)"]
    assert not re.search(r"\.highlight \.[wp]\s*,", css)  # no other rule shared with .p or .w
    assert not re.search(r"\.highlight \.w\b", css)
    ours = "".join(p.read_text(encoding="utf-8") for p in (DOCS / "assets").glob("*.css"))
    assert not re.search(r"\.(n|w|p)\b\s*[,{]", ours)
    assert re.findall(r"--md-code-hl-punctuation-color:([^;}]+)", ours) == [" var(--md-code-fg-color)"]


def test_built_code_blocks_have_no_invisible_spans(built_site):
    lesson = built_site[0] / "lessons" / "10-training" / "index.html"
    html = lesson.read_text(encoding="utf-8")
    assert '<span class="o">=</span>' in html
    assert not re.search(r'<span class="[nwp]">|<span class="o">\.</span>', html)


# ---- worked solutions, put into the page when opened (tools/hooks/solutions.py) ------------------

solutions_hook = load_hook("solutions")


def test_a_solution_body_waits_in_a_template_with_copy_buttons():
    html = ('<p>x</p><details class="success">\n<summary>Solution</summary>\n<p>Why.</p>\n'
            '<div class="language-python highlight"><pre><span></span><code>x = 1\n</code></pre></div>\n'
            '<div class="highlight"><pre><span></span><code>1\n</code></pre></div>\n</details>'
            '<details class="tip">\n<summary>Hint</summary>\n<p>h</p>\n</details>')
    out = solutions_hook.defer_solutions(html, "en")
    assert out.count('<template class="dl-solution">') == 1 and out.count("<script>") == 1
    soup = page_soup(out)
    ids = [pre["id"] for pre in soup.select("details.success pre")]
    assert len(set(ids)) == 2  # each block has an id, and its button copies that block
    assert [b["data-clipboard-target"] for b in soup.select("details.success button")] == [f"#{i} > code" for i in ids]
    assert [b["title"] for b in soup.select("button")] == ["Copy to clipboard"] * 2
    assert soup.select_one("details.success pre code").get_text() == "x = 1\n"
    assert soup.select_one("details.tip p").get_text() == "h"  # hints stay as they are
    assert "클립보드로 복사" in solutions_hook.defer_solutions(html, "ko")
    nested = html.replace("<p>Why.</p>", '<details class="note"><summary>n</summary></details>')
    assert solutions_hook.defer_solutions(nested, "en") == nested  # not a pattern for nesting


@pytest.mark.build
def test_every_solution_of_every_lesson_is_deferred_and_still_read_by_the_tests(built_site):
    for lang in ("ko", "en"):
        for name in lessons().values():
            text = built(built_site[0], f"lessons/{name}", lang).read_text(encoding="utf-8")
            soup = page_soup(text, shared=True)
            assert text.count('<template class="dl-solution">') == len(soup.select("details.success")) == 4, name
            assert all(d.select("pre code") or d.select("p") for d in soup.select("details.success")), name
