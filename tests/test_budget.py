"""The first-load byte budget of every built page, without a browser (issue 7).

A reader on a phone with a Korean system font opens a page: what does the browser download before
the reader does anything? The page's HTML, the stylesheets and scripts it links, the search worker
Material starts, its eager images and icon, each gzip-compressed as GitHub Pages serves them. No
web font (the Korean system font draws the Hangul) and no search index (it loads when the reader
starts a search). All of it must stay within 400 KB on every page of both languages.
"""

import functools
import gzip
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import built_soup

BUDGET = 400_000  # bytes transferred on first load, gzip
GZIP_TYPES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".ico"}
BASE = "http://site.invalid"


def built_pages(site):
    """Every page of the built site (its index.html files), as (site path, file)."""
    for html in sorted(Path(site).rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in {"assets", "search", "overrides"}:
            continue
        yield ("/" if rel == "." else f"/{rel}/"), html


@functools.cache  # the stylesheets and scripts every page shares are compressed once
def transfer_size(path):
    """Bytes on the wire: gzip (level 6, like GitHub Pages) for text, as is for the rest."""
    data = path.read_bytes()
    return len(gzip.compress(data, compresslevel=6, mtime=0)) if path.suffix in GZIP_TYPES else len(data)


def site_file(site, page, url):
    """The file of ``site`` that ``url`` (relative to ``page``) names, or None if it is off-site."""
    absolute = urlsplit(urljoin(BASE + page, url))
    if f"{absolute.scheme}://{absolute.netloc}" != BASE:
        return None
    path = Path(site) / absolute.path.lstrip("/")
    return path / "index.html" if absolute.path.endswith("/") else path


@functools.cache
def first_load(site, page, html):
    """``{file: bytes}`` a browser with a Korean system font downloads to show ``page``.

    Cached: callers must not change the dict they get."""
    soup = built_soup(html)  # parsed once per worker, with the other tests that read the pages
    loads = {html: transfer_size(html)}
    urls = [link["href"] for link in soup.find_all("link", href=True)
            if {"stylesheet", "icon", "preload", "modulepreload"} & set(link.get("rel", []))]
    urls += [script["src"] for script in soup.find_all("script", src=True)]
    # Images the browser fetches at once (lazy ones wait until they come near the screen).
    urls += [img["src"] for img in soup.find_all("img", src=True)
             if img.get("loading") != "lazy" and not img["src"].startswith("data:")]
    urls += [tag["src"] for tag in soup.find_all(["iframe", "embed", "video", "audio", "source"], src=True)]
    urls += [tag["data"] for tag in soup.find_all("object", data=True)]
    config = soup.find("script", id="__config")
    if config is not None:  # Material starts its search worker on every page
        urls.append(json.loads(config.string)["search"])
    for url in urls:
        if url.startswith("data:"):
            continue
        path = site_file(site, page, url)
        assert path is not None, f"{page} loads {url} from another site"
        assert path.is_file(), f"{page} loads {url}, which the build does not have"
        loads[path] = transfer_size(path)
    return loads


@pytest.fixture(scope="module")
def site(built_site):
    return built_site[0]


@pytest.fixture(scope="module")
def pages(site):
    found = list(built_pages(site))
    assert len(found) >= 30, [p for p, _ in found]  # 16 pages in each language, at least
    return found


def test_every_page_fits_the_first_load_budget(site, pages):
    over = {}
    for page, html in pages:
        loads = first_load(site, page, html)
        total = sum(loads.values())
        if total > BUDGET:
            top = sorted(loads.items(), key=lambda kv: -kv[1])[:4]
            over[page] = (total, [(p.relative_to(site).as_posix(), n) for p, n in top])
    assert over == {}, f"pages over {BUDGET} bytes on first load: {over}"


def test_pages_load_no_web_font_before_a_korean_system_font(site):
    # The stylesheets a page links: every font stack that reaches the Hangul web font names the
    # Korean system fonts first, so a reader who has one never downloads it.
    css = (Path(site) / "assets" / "dlnotes.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\s*\{[^}]*\}", "", css)  # the web font's own rules name only itself
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;{}]+);", css))

    def resolve(value):
        return re.sub(r"var\((--[\w-]+)\)", lambda m: resolve(variables.get(m.group(1), "")), value)

    stacks = [resolve(v) for v in variables.values()]
    stacks += [resolve(v) for v in re.findall(r"font-family\s*:\s*([^;{}]+);", css)]
    web = [s for s in stacks if "dlnotes Hangul" in s]
    assert len(web) >= 3, web  # text, code, math
    for stack in web:
        before = stack.split('"dlnotes Hangul"')[0]
        for system_font in ("Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans CJK KR", "Noto Sans KR"):
            assert system_font in before, (system_font, stack)


def test_no_page_loads_the_search_index_at_first_load(site, pages):
    index = Path(site) / "search" / "search_index.json"
    assert index.is_file() and index.stat().st_size > 100_000  # big enough to matter
    for page, html in pages:
        assert index not in first_load(site, page, html), page
        text = html.read_text(encoding="utf-8")
        # Material's bundle asks for the index at start-up; the hold-back script must run first.
        hold = text.find("dlnotes: load the search index when the reader starts a search")
        bundle = re.search(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"', text)
        assert bundle is not None, page
        assert 0 <= hold < bundle.start(), page


def test_the_budget_counts_what_pages_really_link(site, pages):
    # The counter sees every stylesheet and script: a page with Material's two stylesheets, our
    # own and Material's bundle, plus the search worker; and no page is empty.
    page, html = next((p, h) for p, h in pages if p == "/")
    names = {p.name for p in first_load(site, page, html)}
    assert "dlnotes.css" in names
    assert any(n.startswith("bundle.") and n.endswith(".js") for n in names), names
    assert any(n.startswith("main.") and n.endswith(".css") for n in names), names
    assert any(n.startswith("search.") and n.endswith(".js") for n in names), names
    assert sum(first_load(site, page, html).values()) > 50_000
