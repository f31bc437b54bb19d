"""The built site in a real browser (headless Debian chromium driven by Playwright).

Pages load nothing from other hosts, the language switcher stays on the lesson, search finds
Korean and English words (its index loads only when the reader starts a search), dark mode toggles,
copy buttons copy, formulas and figures render. Fonts: with the Korean system font (Debian's
fonts-noto-cjk) no page downloads a font file; in a browser without any Korean font (fontconfig
limited to DejaVu and Liberation) Hangul is drawn with the site's web font, and an English lesson
fetches only its small menu slice. The site is served with gzip, as GitHub Pages serves it.
"""

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from conftest import CHROMIUM_ARGS, ROOT, chromium_or_skip, find_chromium, switch_scheme  # noqa: F401

pytestmark = pytest.mark.browser


def watch(page):
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, color_scheme="light")
    page = context.new_page()
    watch(page)
    yield page
    context.close()


@pytest.fixture(scope="module")
def read_through(browser, base_url):
    """What a page does as a reader reads it to the end, for the tests that only look at that:
    ``read_through(path)`` loads the page once per module, in a fresh context (its own cache),
    until the network is idle, scrolls to the end, and gives whether it loaded and the requests
    it made and the errors it reported until then. The page is closed at once (an open page
    keeps costing CPU)."""
    visits = {}

    def visit(path):
        if path not in visits:
            context = browser.new_context(base_url=base_url, color_scheme="light")
            page = context.new_page()
            watch(page)
            ok = page.goto(path, wait_until="networkidle").ok
            page.mouse.wheel(0, 20_000)
            page.wait_for_timeout(300)
            visits[path] = SimpleNamespace(ok=ok, requests=list(page.requests), errors=list(page.errors))
            context.close()
        return visits[path]

    return visit


@pytest.mark.parametrize("path", ["/", "/lessons/01-perceptron/", "/en/lessons/03-softmax/",
                                  "/lessons/02-activations-notebook/", "/en/lessons/02-activations/"])
def test_pages_load_only_from_the_site_without_errors(read_through, base_url, path):
    visit = read_through(path)
    assert visit.ok
    offsite = [url for url in visit.requests if not url.startswith((base_url, "data:", "blob:"))]
    assert offsite == []
    assert visit.errors == []


def test_language_switcher_stays_on_the_lesson(page):
    page.goto("/lessons/03-softmax/")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.locator(".md-header .md-select").first.hover()  # the menu opens on hover
    page.locator('.md-select__link[hreflang="en"]').first.click()
    page.wait_for_url("**/en/lessons/03-softmax/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".md-header .md-select").first.hover()
    page.locator('.md-select__link[hreflang="ko"]').first.click()
    page.wait_for_url("**/lessons/03-softmax/")
    assert page.locator("html").get_attribute("lang") == "ko"


def search(page, query):
    box = page.locator("input.md-search__input")
    results = page.locator(".md-search-result__item a")
    box.click()
    box.fill("")  # the results of an earlier query go
    box.press("End")  # Material searches on key-up
    expect(results).to_have_count(0)
    box.fill(query)
    box.press("End")
    results.first.wait_for(timeout=10_000)
    return [results.nth(i).get_attribute("href") for i in range(results.count())]


@pytest.mark.parametrize("start, queries", [
    ("/", [("소프트맥스", "03-softmax"), ("퍼셉트론", "01-perceptron"),
           # With a particle (조사) attached that the pages never use with that word: found all the same.
           ("소프트맥스처럼", "03-softmax"), ("퍼셉트론까지", "01-perceptron")]),
    ("/en/", [("overflow", "03-softmax"), ("sigmoid", "02-activations")]),
])
def test_search_finds_words_of_both_languages(page, built_site, start, queries):
    docs = json.loads((built_site[0] / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    text = " ".join(doc["text"] for doc in docs)
    page.goto(start)
    for query, expected in queries:
        if query.endswith(("처럼", "까지")):  # the particle case is real: the pages never write it so
            assert query not in text
        hrefs = search(page, query)
        assert any(expected in href for href in hrefs), (query, hrefs)


def test_dark_mode_toggles_and_is_remembered(page):
    page.goto("/lessons/01-perceptron/")
    body = page.locator("body")
    for _ in range(3):
        if body.get_attribute("data-md-color-scheme") == "slate":
            break
        page.locator('form[data-md-component="palette"] label:visible').first.click()
    assert body.get_attribute("data-md-color-scheme") == "slate"
    page.reload()
    assert body.get_attribute("data-md-color-scheme") == "slate"


def test_copy_button_copies_the_embedded_code(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/en/lessons/03-softmax/")
    block = page.locator("div.highlight", has_text="def softmax(x, axis=-1):").first
    block.hover()
    block.locator('button[data-md-type="copy"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def softmax(x, axis=-1):")
    assert "--8<--" not in copied


@pytest.mark.parametrize("path, title", [("/lessons/03-softmax/", "풀이"), ("/en/lessons/03-softmax/", "Solution")])
def test_a_solution_is_put_in_the_page_when_opened_and_its_code_copies(page, path, title):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(path)
    solutions = page.locator("details.success")
    assert solutions.count() == 4  # one per exercise
    # tools/hooks/solutions.py: a solution's body waits in a <template> until it is opened
    assert page.locator("details.success pre").count() == 0
    solution = solutions.nth(2)  # exercise 3 asks for softmax_columns
    solution.locator("summary", has_text=title).click()
    block = solution.locator("div.highlight", has_text="def softmax_columns").first
    block.wait_for()
    assert solution.locator("template").count() == 0
    block.hover()
    block.locator('button[data-md-type="copy"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def softmax_columns(A):") and "✓" not in copied, copied[:200]
    solution.locator("summary").click()  # closed and opened again: still there, once
    solution.locator("summary").click()
    assert solution.locator("div.highlight", has_text="def softmax_columns").count() == 1
    assert not page.errors, page.errors


def test_formulas_and_figures_render(page):
    page.goto("/lessons/03-softmax/", wait_until="networkidle")
    widths = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) > 0
    # Figures load lazily: ask for each one, then wait until it is decoded.
    figures = page.eval_on_selector_all(
        "img.dl-figure", "els => Promise.all(els.map(e => { e.loading = 'eager'; return e.decode().then(() => e.naturalWidth); }))")
    assert figures and min(figures) > 0


# ---- the search index loads when the reader starts a search ------------------------------------

def index_requests(page):
    return [url for url in page.requests if "search_index.json" in url]


@pytest.mark.parametrize("path", ["/", "/lessons/09-backpropagation/", "/en/lessons/10-training/"])
def test_search_index_waits_until_the_reader_starts_a_search(page, path):
    page.goto(path, wait_until="networkidle")
    page.mouse.wheel(0, 2000)  # reading, scrolling: still no index
    page.wait_for_timeout(500)
    assert index_requests(page) == []
    with page.expect_response(lambda r: "search_index.json" in r.url) as response:
        page.locator("input.md-search__input").click()
    assert response.value.ok
    assert len(index_requests(page)) == 1


def test_search_icon_on_a_phone_loads_the_index(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/lessons/01-perceptron/", wait_until="networkidle")
    assert [u for u in requests if "search_index.json" in u] == []
    with page.expect_response(lambda r: "search_index.json" in r.url):
        page.locator("label.md-header__button[for=__search]").first.tap()
    box = page.locator("input.md-search__input")
    box.fill("퍼셉트론을")
    box.press("End")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    assert "01-perceptron" in results.first.get_attribute("href")
    context.close()


def test_search_works_at_once_from_a_keyboard_shortcut(page):
    page.goto("/en/lessons/03-softmax/", wait_until="networkidle")
    assert index_requests(page) == []
    page.keyboard.press("/")  # Material's shortcut focuses the search box
    box = page.locator("input.md-search__input")
    box.fill("softmax")
    box.press("End")
    page.locator(".md-search-result__item a").first.wait_for(timeout=10_000)
    assert len(index_requests(page)) == 1


def test_search_result_link_highlights_with_the_index(page):
    page.goto("/lessons/03-softmax/?h=%EC%86%8C%ED%94%84%ED%8A%B8%EB%A7%A5%EC%8A%A4", wait_until="networkidle")
    page.locator("article mark").first.wait_for(timeout=10_000)
    assert len(index_requests(page)) == 1  # ?h= asks for highlighting: the index is needed


# ---- fonts ---------------------------------------------------------------------------------------

FONT_FILES = (".woff2", ".woff", ".ttf", ".otf")
HANGUL_CHECKS = {  # selector of an element whose text has Hangul, on each page
    "/lessons/09-backpropagation/": ["article p", "article pre code .c1"],
    "/lessons/01-perceptron/": ["article math mtext"],
    "/lessons/02-activations-notebook/": [".jp-Notebook .jp-RenderedHTMLCommon p", ".jp-Notebook pre"],
}


def platform_fonts(page, selector):
    """Fonts Chromium used to draw the text of the first element matching ``selector`` that has
    Hangul: [(family, is web font, glyphs)] (DevTools CSS.getPlatformFontsForNode)."""
    handle = page.evaluate_handle(
        """sel => [...document.querySelectorAll(sel)].find(e => /[\\uac00-\\ud7a3]/.test(e.textContent))""",
        selector)
    assert handle.as_element() is not None, f"no {selector} with Hangul"
    handle.as_element().scroll_into_view_if_needed()  # blocks off screen are not laid out yet
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate("el => el.setAttribute('data-dl-probe', '1')", handle)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-dl-probe]"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    page.evaluate("el => el.removeAttribute('data-dl-probe')", handle)
    cdp.detach()
    return [(f["familyName"], f["isCustomFont"], f["glyphCount"]) for f in fonts]


@pytest.mark.parametrize("path", ["/", "/lessons/09-backpropagation/", "/lessons/02-activations-notebook/",
                                  "/en/lessons/10-training/", "/glossary/"])
def test_with_a_korean_system_font_no_font_file_is_downloaded(read_through, path):
    assert [u for u in read_through(path).requests if u.endswith(FONT_FILES)] == []


@pytest.mark.parametrize("path", HANGUL_CHECKS)
def test_with_a_korean_system_font_hangul_uses_it(page, path):
    page.goto(path, wait_until="networkidle")
    for selector in HANGUL_CHECKS[path]:
        fonts = platform_fonts(page, selector)
        korean = [f for f in fonts if "CJK" in f[0]]
        assert korean and not any(custom for _, custom, _ in fonts), (selector, fonts)


NO_KOREAN_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/truetype/dejavu</dir>
  <dir>/usr/share/fonts/truetype/liberation</dir>
  <cachedir>{cache}</cachedir>
  <config><rescan><int>0</int></rescan></config>
</fontconfig>
"""


@pytest.fixture(scope="session")
def browser_without_korean(playwright_session, tmp_path_factory):
    """Chromium that sees only DejaVu and Liberation: a system without any Korean font."""
    path = chromium_or_skip()
    if not Path("/usr/share/fonts/truetype/dejavu").is_dir():
        pytest.fail("fonts-dejavu-core is missing (chromium depends on it)")
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(NO_KOREAN_FONTS.format(cache=folder / "cache"), encoding="utf-8")
    browser = playwright_session.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS,
                                                 env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    yield browser
    browser.close()


@pytest.fixture
def bare_page(browser_without_korean, base_url):
    context = browser_without_korean.new_context(base_url=base_url, color_scheme="light")
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def test_the_bare_browser_really_has_no_korean_font(bare_page):
    bare_page.set_content('<p style="font-family: sans-serif">한국어</p>')
    fonts = platform_fonts(bare_page, "p")
    assert not any("CJK" in f or "Nanum" in f for f, _, _ in fonts), fonts


@pytest.mark.parametrize("path", HANGUL_CHECKS)
def test_without_a_korean_font_hangul_comes_from_the_web_font(bare_page, path):
    bare_page.goto(path, wait_until="networkidle")
    bare_page.evaluate("document.fonts.ready")
    for selector in HANGUL_CHECKS[path]:
        fonts = platform_fonts(bare_page, selector)
        web = [f for f in fonts if f[1]]  # a web font reports the family name inside its file
        assert web and web[0][0] == "NanumGothic" and web[0][2] > 0, (selector, fonts)
    fetched = [u.rsplit("/", 1)[-1] for u in bare_page.requests if u.endswith(".woff2")]
    assert fetched and all(name.startswith("hangul-") for name in fetched), fetched


@pytest.mark.parametrize("path", ["/en/lessons/10-training/", "/en/lessons/03-softmax/"])
def test_without_a_korean_font_an_english_lesson_fetches_only_the_menu_glyphs(bare_page, base_url, path):
    bare_page.goto(path, wait_until="networkidle")
    bare_page.mouse.wheel(0, 20_000)
    bare_page.wait_for_timeout(300)
    fetched = [u.rsplit("/", 1)[-1] for u in bare_page.requests if u.endswith(FONT_FILES)]
    assert len(fetched) == 1 and fetched[0].startswith("hangul-menu."), fetched
    # the slice is a few KB: the language menu's 한국어
    assert len(bare_page.request.get(f"{base_url}/assets/fonts/{fetched[0]}").body()) < 8_000


# ---- dark mode, contrast, phone-size screenshots -------------------------------------------------

AXE = ROOT / "tools" / "node" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, rules):
    """axe's violations of ``rules`` on the page (axe already injected): [rule, count, first 3 nodes]."""
    return page.evaluate("""async rules => {
        const r = await axe.run(document, {runOnly: rules});
        return r.violations.map(v => [v.id, v.nodes.length, v.nodes.slice(0, 3).map(n => n.target.join(' ')
            + ' ' + (n.any[0] && n.any[0].message))]);
    }""", rules)


@pytest.mark.parametrize("path", ["/lessons/09-backpropagation/", "/lessons/02-activations-notebook/",
                                  "/en/lessons/03-softmax/", "/contributing/"])
def test_text_contrast_and_labels_in_both_schemes(browser, base_url, path):
    """axe's contrast and label rules, light then dark. One load serves both: with the palette on
    "follow the system" (the default), Material switches the page's scheme when the system's does,
    as a reader's phone does at dusk. Loading in dark is tested below (first visit in dark mode)."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("tools/node is not installed: run `npm ci --prefix tools/node`")
        pytest.skip("axe-core comes with tools/node: run `npm ci --prefix tools/node`")
    # Lighthouse's phone (its mobile emulation: 412 x 823 CSS px at 1.75 device pixels per px).
    context = browser.new_context(base_url=base_url, color_scheme="light", viewport={"width": 412, "height": 823},
                                  is_mobile=True, has_touch=True, device_scale_factor=1.75)
    page = context.new_page()
    page.goto(path, wait_until="networkidle")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    # First as loaded, as Lighthouse checks it: a block drawn late keeps its guessed size, and
    # content taller than its guess would lie over what follows (the footer) for a contrast check.
    # (With lists drawn late on every page, the Korean contributing page's closing checklist lay
    # over the footer here, as in Lighthouse; at 390 px without the emulation it did not.)
    violations = {"as loaded": axe_violations(page, ["color-contrast"])}
    # Then every block drawn (content-visibility leaves blocks far from the screen undrawn, and
    # axe would skip them): their colours, in both schemes.
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    for scheme in ("light", "dark"):
        switch_scheme(page, scheme)
        violations[scheme] = axe_violations(page, ["color-contrast", "link-in-text-block", "label",
                                                   "aria-dialog-name"])
    context.close()
    assert violations == {"as loaded": [], "light": [], "dark": []}


@pytest.mark.parametrize("path", ["/lessons/02-activations-notebook/", "/en/lessons/02-activations-notebook/",
                                  "/lessons/09-backpropagation/", "/en/lessons/10-training/"])
def test_the_footer_stays_where_a_reader_scrolls_to_it(browser, base_url, path):
    """Blocks drawn late (content-visibility) keep a guessed height until they come near the
    screen. The blocks just above the footer must be drawn from the start: else scrolling to the
    footer draws them, they grow, and push the footer off the screen (and a contrast checker,
    which reads the colour under the footer's text, sees a code block there)."""
    context = browser.new_context(base_url=base_url, viewport={"width": 412, "height": 823},
                                  device_scale_factor=1.75, is_mobile=True)  # Lighthouse's phone
    page = context.new_page()
    page.goto(path, wait_until="load")
    link = page.locator(".md-copyright a").first
    link.evaluate("a => a.scrollIntoView({block: 'end'})")
    for _ in range(3):  # let the blocks that came near the screen be drawn and laid out
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    top, bottom, height, hit = link.evaluate("""a => {
        const r = a.getBoundingClientRect();
        return [r.top, r.bottom, innerHeight,
                document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === a];
    }""")
    context.close()
    assert -1 <= top and bottom <= height + 1 and hit, (  # +-1: sub-pixel positions
        f"{path}: after scrolling to it, the footer's link is at {top:.0f}-{bottom:.0f} px of {height}")


def test_a_first_visit_in_dark_mode_is_dark_before_the_theme_script_runs(browser, base_url):
    # Blocks drawn late (content-visibility) must not fade in from the light scheme.
    context = browser.new_context(base_url=base_url, color_scheme="dark")
    page = context.new_page()
    page.route("**/assets/javascripts/bundle.*.js", lambda route: route.abort())
    page.goto("/lessons/03-softmax/", wait_until="load")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    context.close()


def test_figures_stay_legible_in_dark_mode(browser, base_url):
    context = browser.new_context(base_url=base_url, color_scheme="dark")
    page = context.new_page()
    page.goto("/lessons/09-backpropagation/", wait_until="networkidle")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    figures = page.locator("img.dl-figure")
    assert figures.count() > 0
    figure = figures.first
    figure.scroll_into_view_if_needed()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=figure.element_handle())
    # drawn on a white card, as matplotlib drew it, not on the dark page
    background = figure.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 255, 255)", background
    context.close()


SHOTS = [("ko-home", "/"), ("ko-lesson-09", "/lessons/09-backpropagation/"),
         ("en-lesson-10", "/en/lessons/10-training/"), ("ko-notebook", "/lessons/02-activations-notebook/")]


@pytest.mark.parametrize("name, path", SHOTS)
def test_phone_size_pages_fit_the_screen(browser, base_url, name, path):
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(path, wait_until="networkidle")
    # Nothing wider than the phone but what scrolls inside its own box (code, formulas, tables).
    overflow = page.evaluate("document.documentElement.scrollWidth")
    shots = os.environ.get("DLNOTES_SCREENSHOTS")  # e.g. /tmp/front-shots: look at them
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"))
        page.mouse.wheel(0, 1600)
        page.wait_for_timeout(400)
        page.screenshot(path=str(Path(shots) / f"{name}-2.png"))
    context.close()
    assert overflow <= 390, f"{path} is {overflow}px wide on a 390px phone"


@pytest.mark.parametrize("width", [320, 390, 800])
def test_the_page_fits_the_screen_before_the_script_runs(browser, base_url, width):
    """Until Material's script has run (a slow phone, or no script), the header lacks the search
    button: the language menu, closed but laid out, must still stay inside the screen, or a phone
    lets the reader pan the whole page sideways."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 844},
                                  is_mobile=width < 700, has_touch=width < 700, java_script_enabled=False)
    page = context.new_page()
    page.goto("/", wait_until="load")
    assert page.evaluate("document.documentElement.className") == "no-js"  # the script really did not run
    overflow = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert overflow <= width, f"without script, / is {overflow}px wide on a {width}px screen"
