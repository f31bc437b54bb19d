"""The strict build passes, and the built HTML keeps the site's promises.

Every lesson exists in both languages with ``lang`` set, the language switcher links the same
lesson, the package code a page embeds is on the page, notebooks are rendered with their
figures, formulas are MathML, no page asks a third-party host for anything, and no figure lost
its Korean glyphs.
"""

import json
import re
from urllib.parse import urljoin, urlparse

import pytest

from conftest import DOCS, built_soup, load_hook, page_soup

pagecode = load_hook("pagecode")

LESSONS = sorted({p.name.split(".")[0] for p in (DOCS / "lessons").glob("*.ko.*")})
PAGES = sorted({str(p.relative_to(DOCS)).split(".")[0] for p in DOCS.rglob("*.ko.*")
                if p.suffix in (".md", ".ipynb") and "includes" not in p.parts})


def built_page(site, name, lang):
    """Path of the built page for docs/<name>.<lang>.md (directory URLs; English under en/)."""
    base = site if lang == "ko" else site / "en"
    return base / ("index.html" if name == "index" else f"{name}/index.html")


def code_text(soup):
    """All text inside code blocks, as a reader would copy it."""
    return "\n".join(block.get_text() for block in soup.select("pre code"))


def test_strict_build_passes_without_warnings(built_site):
    site, log, seconds = built_site
    assert (site / "index.html").exists() and (site / "en" / "index.html").exists()
    assert not re.search(r"^WARNING", log, re.M), log
    assert not pagecode.GLYPH_MISSING.search(log), log
    print(f"mkdocs build --strict: {seconds:.1f} s")


def test_there_are_lessons():
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_page_exists_in_both_languages_with_lang_set(built_site, name, lang):
    site = built_site[0]
    soup = built_soup(built_page(site, name, lang))
    assert soup.html["lang"] == lang
    # The language switcher offers the same page in the other language.
    other = "en" if lang == "ko" else "ko"
    (link,) = soup.select(f'a.md-select__link[hreflang="{other}"]')
    page_url = "/" + ("en/" if lang == "en" else "") + ("" if name == "index" else f"{name}/")
    target = urlparse(urljoin("http://site" + page_url, link["href"])).path
    expected = "/" + ("en/" if other == "en" else "") + ("" if name == "index" else f"{name}/")
    assert target == expected


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_embedded_package_code_is_on_the_page(built_site, name, lang):
    source = next(DOCS.glob(f"{name}.{lang}.*"))
    if source.suffix != ".md":
        return
    targets = re.findall(r'^\s*--8<--\s+"([^"]+)"\s*$', source.read_text(encoding="utf-8"), re.M)
    on_page = code_text(built_soup(built_page(built_site[0], name, lang)))
    for target in targets:
        if re.search(r"\.py:\w+$", target):
            section = "\n".join(pagecode.read_section(target)).strip()
            assert section in on_page, f"{target} is not shown on {name} ({lang})"
    assert "--8<--" not in on_page


def test_outputs_of_page_code_are_shown(built_site):
    # Lesson 3 runs the naive softmax: the overflow warning is on the page, as the reader would see it.
    for lang in ("ko", "en"):
        soup = built_soup(built_page(built_site[0], "lessons/03-softmax", lang))
        outputs = "\n".join(b.get_text() for b in soup.select(".dl-output"))
        assert "RuntimeWarning: overflow encountered in exp" in outputs


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_notebooks_are_rendered_with_figures_and_downloadable(built_site, lang):
    site = built_site[0]
    notebooks = sorted(DOCS.rglob(f"*.{lang}.ipynb"))
    assert notebooks, "at least one lesson is also a notebook"
    for nb in notebooks:
        name = str(nb.relative_to(DOCS)).split(".")[0]
        page = built_page(site, name, lang)
        html = page.read_text(encoding="utf-8")
        soup = page_soup(html, shared=True)
        assert soup.select(".jp-Notebook .jp-Cell"), "not rendered as a notebook"
        assert '"cell_type"' not in html, "raw notebook JSON on the page"
        assert soup.select('.jp-OutputArea img[src^="data:image/png"]'), "no figure in the outputs"
        assert "Traceback" not in html
        (link,) = soup.select(".dl-download a")
        downloaded = page.parent / link["href"]
        assert json.loads(downloaded.read_text(encoding="utf-8"))["nbformat"] == 4


def test_no_korean_glyph_is_missing_anywhere(built_site):
    for page in built_site[0].rglob("*.html"):
        assert not pagecode.GLYPH_MISSING.search(page.read_text(encoding="utf-8")), page


def test_formulas_are_mathml(built_site):
    site = built_site[0]
    for name in LESSONS:
        for lang in ("ko", "en"):
            source = next(DOCS.glob(f"lessons/{name}.{lang}.*"))
            if source.suffix != ".md" or "$" not in source.read_text(encoding="utf-8"):
                continue
            html = built_page(site, f"lessons/{name}", lang).read_text(encoding="utf-8")
            assert "<math" in html
            assert 'class="arithmatex"' not in html and "\\(" not in html


def test_no_request_to_any_third_party_host(built_site):
    # Everything a page loads (scripts, styles, images, fonts, iframes) comes from the site itself.
    site = built_site[0]
    for page in site.rglob("*.html"):
        soup = built_soup(page)
        loads = [t.get("src") for t in soup.find_all(["script", "img", "iframe", "source", "audio", "video"])]
        loads += [t.get("href") for t in soup.find_all("link") if set(t.get("rel", [])) & {"stylesheet", "preload", "icon", "modulepreload"}]
        for url in filter(None, loads):
            assert not urlparse(url).netloc and not url.startswith("//"), f"{page}: loads {url}"
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html and "cdnjs" not in html, page
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css


def test_search_index_has_both_languages(built_site):
    index = json.loads((built_site[0] / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert set(index["config"]["lang"]) >= {"ko", "en"}
    text = " ".join(doc["text"] + doc["title"] for doc in index["docs"])
    for word in ("소프트맥스", "퍼셉트론", "softmax", "perceptron"):
        assert word in text.lower()
    assert "jp-Cell" not in text and "data:image" not in text  # outputs and markup stay out


def test_figures_are_images_with_alt_text(built_site):
    site = built_site[0]
    for name in LESSONS:
        for lang in ("ko", "en"):
            soup = built_soup(built_page(site, f"lessons/{name}", lang))
            for img in soup.select("img.dl-figure"):
                assert img["src"].endswith(".svg") and not img["src"].startswith("data:")
                assert img.get("alt") and img["alt"] != "figure", f"{name} ({lang}): give each axes a title"
