"""The built site in a real browser (headless Debian chromium driven by Playwright).

Pages load nothing from other hosts, the language switcher stays on the lesson, search finds
Korean and English words, dark mode toggles, copy buttons copy, formulas and figures render.
"""

import functools
import http.server
import json
import os
import shutil
import threading

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def find_chromium():
    candidates = [os.environ.get("DLNOTES_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and os.path.exists(c)), None)


@pytest.fixture(scope="session")
def browser():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must install it (scripts/test.sh runs apt-get)")
        pytest.skip("chromium is not installed; `bash scripts/test.sh` installs it (apt-get, as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, color_scheme="light")
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


@pytest.mark.parametrize("path", ["/", "/lessons/01-perceptron/", "/en/lessons/03-softmax/",
                                  "/lessons/02-activations-notebook/", "/en/lessons/02-activations/"])
def test_pages_load_only_from_the_site_without_errors(page, base_url, path):
    response = page.goto(path, wait_until="networkidle")
    assert response.ok
    offsite = [url for url in page.requests if not url.startswith((base_url, "data:", "blob:"))]
    assert offsite == []
    assert page.errors == []


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
    box.click()
    box.fill(query)
    box.press("End")  # Material searches on key-up
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)
    return [results.nth(i).get_attribute("href") for i in range(results.count())]


@pytest.mark.parametrize("start, query, expected", [
    ("/", "소프트맥스", "03-softmax"),
    ("/", "퍼셉트론", "01-perceptron"),
    ("/en/", "overflow", "03-softmax"),
    ("/en/", "sigmoid", "02-activations"),
    # With a particle (조사) attached that the pages never use with that word: found all the same.
    ("/", "소프트맥스처럼", "03-softmax"),
    ("/", "퍼셉트론까지", "01-perceptron"),
])
def test_search_finds_words_of_both_languages(page, built_site, start, query, expected):
    docs = json.loads((built_site[0] / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    if query.endswith(("처럼", "까지")):  # the particle case is real: the pages never write it so
        assert query not in " ".join(doc["text"] for doc in docs)
    page.goto(start)
    hrefs = search(page, query)
    assert any(expected in href for href in hrefs), hrefs


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


def test_formulas_and_figures_render(page):
    page.goto("/lessons/03-softmax/", wait_until="networkidle")
    widths = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and min(widths) > 0
    figures = page.eval_on_selector_all("img.dl-figure", "els => els.map(e => e.naturalWidth)")
    assert figures and min(figures) > 0
