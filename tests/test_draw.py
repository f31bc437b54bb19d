"""The draw-a-digit page (docs/draw.*.md, docs/assets/draw.js, tools/hooks/digitweights.py).

The page runs the shipped MLP in the browser from int8 weights with per-column scales, written
at build time. Checked here: the file decodes (by a reader written here, from the format the
hook documents) to weights within half a quantisation step of the package's; the JavaScript
forward pass gives dlnotes' probabilities to 1e-5 on real MNIST images; the compressed weights
cost at most 0.1 percentage points on the official test set; a digit drawn stroke by stroke with
the mouse is read, its probabilities sum to 1, and Clear resets the page; the JavaScript
preparation is ``prepare_digit``'s; the page works at phone width, in dark mode, and has text for
screen readers.
"""

import base64
import json
import os
import struct

import numpy as np
import pytest

from conftest import load_hook
from dlnotes.digit_image import prepare_digit
from dlnotes.mnist import DownloadError, load_mnist, load_mnist_test
from dlnotes.pretrained import load_pretrained

ASSET = "assets/digit/mnist-mlp.bin"
PAGES = ["/draw/", "/en/draw/"]


# ---- the weights file, read independently of the hook -------------------------------------------

def read_asset(data):
    """``(header, {name: array})`` from the bytes of the weights file."""
    assert data[:4] == b"DLW1"
    (length,) = struct.unpack("<I", data[4:8])
    header = json.loads(data[8:8 + length])
    arrays = {}
    for name, entry in header["arrays"].items():
        assert entry["offset"] % 4 == 0 and entry["offset"] >= 8 + length, (name, entry)
        dtype = np.dtype(entry["dtype"]).newbyteorder("<")
        count = int(np.prod(entry["shape"]))
        arrays[name] = np.frombuffer(data, dtype=dtype, count=count,
                                     offset=entry["offset"]).reshape(entry["shape"])
    return header, arrays


def decompressed_model(data):
    """The shipped MLP with its weights replaced by the file's ``q * scale`` (float32)."""
    header, arrays = read_asset(data)
    model = load_pretrained("mlp")
    affine = [layer for layer in header["layers"] if layer["type"] == "affine"]
    assert len(affine) == 3
    for n, layer in enumerate(affine, 1):
        q, scale = arrays[layer["W"]], arrays[layer["scale"]]
        assert q.dtype == np.int8 and scale.dtype == np.float32
        model.net.params[f"W{n}"][...] = q.astype(np.float32) * scale
        model.net.params[f"b{n}"][...] = arrays[layer["b"]]
    return header, model


def test_the_file_is_the_shipped_weights_to_half_a_step():
    data = load_hook("digitweights").export_mlp()
    header, arrays = read_asset(data)
    params = load_pretrained("mlp").net.params
    for n in (1, 2, 3):
        W, q, scale = params[f"W{n}"], arrays[f"W{n}"], arrays[f"scale{n}"]
        assert q.shape == W.shape and np.abs(q).max() == 127
        np.testing.assert_allclose(scale, np.abs(W).max(axis=0) / 127, rtol=1e-6)
        assert np.all(np.abs(q * scale - W) <= scale / 2 * (1 + 1e-5))
        np.testing.assert_array_equal(arrays[f"b{n}"], params[f"b{n}"])
    # The test-time dropout scale (MultiLayerNet.predict) after each hidden ReLU.
    kinds = [layer["type"] for layer in header["layers"]]
    assert kinds == ["affine", "relu", "scale", "affine", "relu", "scale", "affine"]
    assert all(layer["factor"] == pytest.approx(0.8) for layer in header["layers"]
               if layer["type"] == "scale")
    assert len(data) < 420_000  # int8: a quarter of the float32 file's 1.6 MB


def official_test_set():
    try:
        return load_mnist_test(verbose=False)
    except DownloadError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the official MNIST test set and could not download it: {err}")
        pytest.skip("the official MNIST test set is not here and no mirror answered: set "
                    f"DLNOTES_DATA_DIR to a folder with the two t10k-* files ({err})")


def test_compressed_weights_lose_at_most_a_tenth_of_a_point():
    x, t = official_test_set()
    full = (load_pretrained("mlp").predict(x).argmax(axis=1) == t).mean()
    _, model = decompressed_model(load_hook("digitweights").export_mlp())
    small = (model.predict(x).argmax(axis=1) == t).mean()
    assert full == pytest.approx(0.9707)  # the recorded accuracy: the float32 weights are the reference
    assert full - small <= 0.001, (full, small)


# ---- the page in a browser -------------------------------------------------------------------------

@pytest.fixture
def draw_page(browser, base_url):
    def open_page(path="/en/draw/", **context):
        ctx = browser.new_context(base_url=base_url, **{"color_scheme": "light", **context})
        page = ctx.new_page()
        page.requests, page.errors = [], []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.goto(path, wait_until="networkidle")
        page.locator(".draw-canvas").hover()  # the reader reaches the drawing area: weights load
        page.wait_for_selector("#draw-app[data-ready=true]", timeout=15_000)
        contexts.append(ctx)
        return page

    contexts = []
    yield open_page
    for ctx in contexts:
        ctx.close()


def draw(page, strokes):
    """Draw polylines with the mouse; points are fractions (x, y) of the drawing area."""
    box = page.locator(".draw-canvas").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for s in np.linspace(0, 1, 12)[1:]:
                page.mouse.move(x0 + s * (x1 - x0), y0 + s * (y1 - y0))
        page.mouse.up()
    page.wait_for_function("window.dlnotesDraw.probs !== null && window.dlnotesDraw.probs !== undefined")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_weights_load_when_the_reader_comes_to_draw_not_with_the_page(browser, base_url, path):
    # The first-load budget (tests/test_budget.py, Lighthouse) counts what a page fetches as it
    # loads; the 400 KB of weights wait for the reader.
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path, wait_until="networkidle")
        page.wait_for_timeout(500)
        assert any(url.endswith("assets/draw.js") for url in requests)
        assert not any(url.endswith(ASSET) for url in requests)
        assert page.locator("#draw-app").get_attribute("data-ready") is None
        page.locator(".draw-canvas").focus()  # keyboard users reach it too
        page.wait_for_selector("#draw-app[data-ready=true]", timeout=15_000)
        assert sum(url.endswith(ASSET) for url in requests) == 1
    finally:
        context.close()


def js_array(page, expression, **arrays):
    """The array a JavaScript expression gives, as float64, moved as bytes rather than as JSON
    numbers (a JSON list of a quarter of a million numbers costs seconds). Each keyword array is
    handed in as float32 bytes, readable in the expression by its name through float32s(NAME)."""
    names = list(arrays)
    data = [base64.b64encode(np.asarray(a, dtype="<f4").tobytes()).decode() for a in arrays.values()]
    encoded = page.evaluate(f"""([{", ".join(names)}]) => {{
        const float32s = s => new Float32Array(Uint8Array.from(atob(s), c => c.charCodeAt(0)).buffer);
        const bytes = new Uint8Array(Float64Array.from({expression}).buffer);
        let text = "";
        for (let i = 0; i < bytes.length; i += 0x8000) {{
            text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        }}
        return btoa(text);
    }}""", data)
    return np.frombuffer(base64.b64decode(encoded), dtype="<f8")


ONE = [[(0.5, 0.15), (0.5, 0.85)]]
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
FOUR = [[(0.4, 0.15), (0.25, 0.55), (0.75, 0.55)], [(0.62, 0.3), (0.62, 0.88)]]


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_js_forward_pass_equals_dlnotes_on_real_mnist_images(draw_page, built_site, base_url, path):
    header, model = decompressed_model((built_site[0] / ASSET).read_bytes())
    (_, _), (x, t) = load_mnist(source="sample", verbose=False)
    x, t = x[:300], t[:300]  # real MNIST test images of the offline sample
    expected = model.predict(x)
    page = draw_page(path)
    got = js_array(page, """(() => {
        const xs = float32s(IMAGES), n = xs.length / 784, out = new Float64Array(n * 10);
        for (let i = 0; i < n; i++) {
            const x = Array.from(xs.subarray(i * 784, (i + 1) * 784));
            out.set(window.dlnotesDraw.forward(window.dlnotesDraw.model, x), i * 10);
        }
        return out;
    })()""", IMAGES=x).reshape(len(x), 10)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-5, np.abs(got - expected).max()
    assert (got.argmax(axis=1) == t).mean() > 0.95  # and they are good answers
    assert page.errors == []
    assert any(url.endswith(ASSET) for url in page.requests)  # fetched from the site itself
    assert [url for url in page.requests if not url.startswith((base_url, "data:", "blob:"))] == []


@pytest.mark.browser
@pytest.mark.parametrize("strokes, digit", [(ONE, 1), (SEVEN, 7), (FOUR, 4)])
def test_a_digit_drawn_with_the_mouse_is_read_and_clear_resets(draw_page, strokes, digit):
    page = draw_page("/en/draw/")
    app = page.locator("#draw-app")
    result = page.locator(".draw-result")
    assert app.get_attribute("data-state") == "empty"
    assert result.inner_text() == app.get_attribute("data-empty")
    draw(page, strokes)
    probs = np.array(page.evaluate("Array.from(window.dlnotesDraw.probs)"))
    assert probs.shape == (10,) and np.all(probs >= 0)
    assert probs.sum() == pytest.approx(1, abs=1e-9)
    assert int(probs.argmax()) == digit, probs.round(3)
    assert app.get_attribute("data-prediction") == str(digit)
    assert f"reads {digit} (" in result.inner_text()  # the aria-live sentence
    # The bars show the same numbers: the top one is marked and its percentage printed.
    top = page.locator(".draw-bars li.draw-top")
    assert top.count() == 1 and top.locator(".draw-digit").inner_text() == str(digit)
    shown = float(top.locator(".draw-pct").inner_text().rstrip("%"))
    assert shown == pytest.approx(100 * probs[digit], abs=0.51)
    # The 28x28 input is drawn.
    assert page.evaluate("""() => {
        const d = document.querySelector('.draw-input').getContext('2d').getImageData(0, 0, 28, 28).data;
        let ink = 0; for (let i = 0; i < d.length; i += 4) ink += d[i]; return ink; }""") > 0
    app.get_by_role("button", name="Clear").click()
    assert app.get_attribute("data-state") == "empty"
    assert app.get_attribute("data-prediction") is None
    assert result.inner_text() == app.get_attribute("data-empty")
    assert page.evaluate("window.dlnotesDraw.probs") is None
    assert page.locator(".draw-pct").all_inner_texts() == ["–"] * 10
    assert page.evaluate("""() => {
        const c = document.querySelector('.draw-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== 0) return false; return true; }""")
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("strokes", [ONE, SEVEN, FOUR])
def test_js_preparation_is_prepare_digit(draw_page, strokes):
    page = draw_page("/draw/")
    draw(page, strokes)
    gray = js_array(page, "window.dlnotesDraw.canvasPixels()").reshape(280, 280)
    got = js_array(page, "window.dlnotesDraw.input")
    expected = prepare_digit(gray)
    # The same crop, size and centring: a pixel off in any of them moves whole strokes. The
    # values: Pillow resizes with 22-bit fixed-point coefficients, draw.js with doubles, and both
    # round to whole levels after each of the two passes, so a level may differ by one per pass.
    assert np.array_equal(got > 0, expected > 0)
    assert np.abs(got - expected).max() <= 2 / 255 + 1e-7, np.abs(got - expected).max() * 255


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_phone_width_dark_mode_and_screen_reader_text(draw_page, path):
    page = draw_page(path, viewport={"width": 390, "height": 844}, color_scheme="dark",
                     has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    canvas = page.locator(".draw-canvas").bounding_box()
    assert 250 <= canvas["width"] <= 390 - 16 and canvas["x"] >= 0
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    # Dark mode: the top bar stands out from its track and the text from the page.
    draw(page, SEVEN)
    colours = page.evaluate("""() => {
        const rgb = e => getComputedStyle(e).backgroundColor;
        const top = document.querySelector('.draw-bars .draw-top');
        return [rgb(top.querySelector('.draw-fill')), rgb(top.querySelector('.draw-track')),
                getComputedStyle(document.querySelector('.draw-result')).color,
                getComputedStyle(document.body).backgroundColor]; }""")
    assert len(set(colours)) == 4, colours
    # Accessible names and a live region.
    assert page.get_by_role("img", name="28×28").count() == 1  # the network's input, labelled
    assert page.locator(".draw-canvas").get_attribute("aria-label")
    assert page.locator(".draw-result").get_attribute("aria-live") == "polite"
    assert page.locator(".draw-clear").inner_text().strip()
    assert page.errors == []
