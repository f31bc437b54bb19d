"""Tests of dlnotes.diagrams: the figures show the right numbers and stay readable on a phone.

The numbers are checked against closed forms and against arrays computed here (not against the
module's own helpers), both for the functions called directly and for the figures the lesson
pages draw, run block by block the way the build runs them.
"""

import contextlib
import io
import itertools
import re
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from conftest import DOCS, load_hook  # noqa: E402
from dlnotes import diagrams  # noqa: E402
from dlnotes.network import init_network  # noqa: E402
from dlnotes.nets import MultiLayerNet, TwoLayerNet  # noqa: E402
from dlnotes.trainer import Trainer  # noqa: E402

pagecode = load_hook("pagecode")

LANGS = ("ko", "en")
PHONE_WIDTH_PX = 346  # measured in headless Chromium at 390 px: a 358 px box, 6 px padding each side
MIN_PHONE_FONT_PX = 11
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(autouse=True)
def fresh_matplotlib():
    with matplotlib.rc_context():
        yield
    plt.close("all")


# ---- helpers ------------------------------------------------------------------------------------

def texts(fig):
    """The non-empty text artists of a figure: labels, titles, figure texts."""
    found = [t for ax in fig.axes for t in [*ax.texts, ax.title]] + list(fig.texts)
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def labels(fig, color=None):
    return [t.get_text() for t in texts(fig) if color is None or same_color(t.get_color(), color)]


def numbers(strings):
    out = []
    for s in strings:
        with contextlib.suppress(ValueError):
            out.append(float(s))
    return sorted(out)


def assert_readable(fig):
    """Every text inside the figure, no two texts overlapping, large enough on a phone, a title."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(1, 1).padded(1.5))
             for t in texts(fig)]  # 1.5 px apart at least
    for text, box in boxes:
        inside = (box.x0 >= fig.bbox.x0 and box.x1 <= fig.bbox.x1
                  and box.y0 >= fig.bbox.y0 and box.y1 <= fig.bbox.y1)
        assert inside, f"{text!r} lies (partly) outside the figure: {box} not in {fig.bbox}"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"
    # The width of the SVG the build saves (bbox_inches="tight"), without rendering it again:
    # the tight box plus savefig's padding, in points (checked equal to the saved SVG's width to
    # 1e-6 px for every figure here).
    tight = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
    width_px = tight.width * 72 * 4 / 3
    scale = min(1.0, PHONE_WIDTH_PX / width_px)
    smallest = min(t.get_fontsize() for t in texts(fig)) * 4 / 3 * scale
    assert smallest >= MIN_PHONE_FONT_PX, f"smallest text {smallest:.1f} px on a phone"
    assert all(ax.get_title() for ax in fig.axes), "a figure needs a title: it is the alt text"


def apple_graph(lang):
    """The apple example of lesson 9, numbers from its closed form L = p * n * r."""
    p, n, r = 100, 2, 1.1
    names = {"en": ("apple\nprice", "number\nof apples", "tax", "amount\nto pay"),
             "ko": ("사과\n가격", "사과 개수", "소비세", "지불\n금액")}[lang]
    nodes = {"apple": (0, 1, names[0]), "num": (1.5, -0.4, names[1]), "mul": (1.5, 1, "×"),
             "tax": (3, -0.4, names[2]), "mul_tax": (3, 1, "×"), "price": (4.4, 1, names[3])}
    edges = [("apple", "mul", p, n * r), ("num", "mul", n, p * r), ("mul", "mul_tax", p * n, r),
             ("tax", "mul_tax", r, p * n), ("mul_tax", "price", p * n * r, 1)]
    return diagrams.draw_computational_graph(nodes, edges, lang=lang)


def random_weights(m=20):
    return np.random.default_rng(0).normal(0, 0.05, (784, m))


TIMELINE = {  # two lines in one entry, every kind, a year twice, given out of order
    "en": [(2012, "result", "a result\non two lines"), (2007, "hardware", "a GPU"),
           (2010, "algorithm", "an algorithm"), (2009, "data", "a data set"),
           (2010, "algorithm", "another one")],
    "ko": [(2012, "result", "어떤 성과\n두 줄"), (2007, "hardware", "GPU"),
           (2010, "algorithm", "새 알고리즘"), (2009, "data", "데이터셋"),
           (2010, "algorithm", "또 하나")],
}


def tiny_trainer():
    rng = np.random.default_rng(0)
    x, t = rng.random((250, 4)), rng.integers(0, 3, 250)
    net = TwoLayerNet(4, 5, 3, rng=0)
    return Trainer(net, x, t, x[:20], t[:20], epochs=3, batch_size=50, rng=0, verbose=False)


FIGURES = {
    "perceptron": lambda lang: diagrams.draw_perceptron(lang=lang),
    "perceptron AND": lambda lang: diagrams.draw_perceptron(w=(0.5, 0.5), b=-0.7, lang=lang),
    "network": lambda lang: diagrams.draw_network(init_network(), lang=lang),
    "network batch": lambda lang: diagrams.draw_network(init_network(), np.ones((4, 2)),
                                                        lang=lang),
    "MNIST network": lambda lang: diagrams.draw_network(
        {"W1": np.ones((784, 50)), "b1": np.ones(50), "W2": np.ones((50, 100)),
         "b2": np.ones(100), "W3": np.ones((100, 10)), "b3": np.ones(10)}, lang=lang),
    "apple graph": apple_graph,
    "layer graph": lambda lang: diagrams.draw_layer_graph(
        TwoLayerNet(784, 50, 10, rng=0), np.zeros((100, 784)), np.zeros(100, int), lang=lang),
    "deeper layer graph": lambda lang: diagrams.draw_layer_graph(
        MultiLayerNet(784, [100, 100], 10, activation="sigmoid", rng=0), np.zeros((3, 1, 28, 28)),
        lang=lang),
    "training loop": lambda lang: diagrams.draw_training_loop(tiny_trainer(), lang=lang),
    "training loop, no numbers": lambda lang: diagrams.draw_training_loop(lang=lang),
    "im2col": lambda lang: diagrams.draw_im2col(np.arange(1, 17).reshape(4, 4), 3, 3,
                                                lang=lang),
    "im2col padded": lambda lang: diagrams.draw_im2col(np.arange(1, 17).reshape(4, 4), 3, 3,
                                                       pad=1, lang=lang),
    "im2col stride 2": lambda lang: diagrams.draw_im2col(np.arange(25).reshape(1, 1, 5, 5), 3,
                                                         3, stride=2, lang=lang),
    "AI, ML, DL": lambda lang: diagrams.draw_ai_ml_dl(lang=lang),
    "neuron and perceptron": lambda lang: diagrams.draw_neuron_and_perceptron(lang=lang),
    "learned features": lambda lang: diagrams.draw_learned_features(lang=lang),
    "weight images": lambda lang: diagrams.draw_weight_images(random_weights(), lang=lang),
    "timeline": lambda lang: diagrams.draw_timeline(TIMELINE[lang], lang=lang),
}


# ---- every figure, both languages ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", FIGURES)
def test_figure_is_readable_on_a_phone(name, lang):
    assert_readable(FIGURES[name](lang))


@pytest.mark.parametrize("name", FIGURES)
def test_korean_labels_render_without_the_page_setting_a_font(name):
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]  # no Hangul: the function must cope
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" raises
        fig = FIGURES[name]("ko")
        fig.savefig(io.BytesIO(), format="svg")
    assert any(HANGUL.search(text) for text in labels(fig)), "no Korean label at all"
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"], "the global font changed"


@pytest.mark.parametrize("name", FIGURES)
def test_english_figures_have_no_korean(name):
    assert not any(HANGUL.search(text) for text in labels(FIGURES[name]("en")))


@pytest.mark.parametrize("call", [
    lambda: diagrams.draw_perceptron(lang="fr"),
    lambda: diagrams.draw_network(init_network(), lang="fr"),
    lambda: diagrams.draw_computational_graph({"a": (0, 0, "a"), "b": (1, 0, "b")},
                                              [("a", "b", 1, 1)], lang="fr"),
    lambda: diagrams.draw_layer_graph(TwoLayerNet(4, 3, 2), np.zeros((1, 4)), lang="fr"),
    lambda: diagrams.draw_training_loop(lang="fr"),
    lambda: diagrams.draw_im2col(np.ones((3, 3)), 2, 2, lang="fr"),
    lambda: diagrams.draw_ai_ml_dl(lang="fr"),
    lambda: diagrams.draw_neuron_and_perceptron(lang="fr"),
    lambda: diagrams.draw_learned_features(lang="fr"),
    lambda: diagrams.draw_weight_images(random_weights(), lang="fr"),
    lambda: diagrams.draw_timeline(TIMELINE["en"], lang="fr"),
])
def test_unknown_language_is_a_clear_error(call):
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'ko', got 'fr'"):
        call()


def test_drawing_into_a_given_axes_keeps_its_figure():
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    assert diagrams.draw_perceptron(lang="en", ax=right) is fig
    assert tuple(fig.get_size_inches()) == (10, 4) and not left.texts
    assert "$x_1$" in [t.get_text() for t in right.texts] and right.get_title()


# ---- lesson 0: what deep learning is ------------------------------------------------------------

def box_extent(patch):
    """(x0, y0, x1, y1) of a FancyBboxPatch in data units, its rounding pad included."""
    pad = patch.get_boxstyle().pad
    x, y, w, h = patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()
    return x - pad, y - pad, x + w + pad, y + h + pad


def inside(point, extent):
    x, y = point
    return extent[0] < x < extent[2] and extent[1] < y < extent[3]


@pytest.mark.parametrize("lang", LANGS)
def test_ai_ml_dl_boxes_nest_and_each_holds_its_own_name(lang):
    fig = diagrams.draw_ai_ml_dl(lang=lang)
    ax = fig.axes[0]
    boxes = [box_extent(p) for p in ax.patches if isinstance(p, matplotlib.patches.FancyBboxPatch)]
    assert len(boxes) == 3
    boxes.sort(key=lambda e: -(e[2] - e[0]) * (e[3] - e[1]))  # outermost first
    for outer, inner in itertools.pairwise(boxes):
        assert outer[0] < inner[0] and outer[1] < inner[1] and inner[2] < outer[2] and inner[3] < outer[3]
    by_text = {t.get_text(): t for t in ax.texts}
    fig.canvas.draw()
    to_data = ax.transData.inverted()
    for k, (name, example) in enumerate(diagrams.LABELS[lang]["fields"]):
        for text in (name, example):
            extent = by_text[text].get_window_extent()
            corners = to_data.transform([[extent.x0, extent.y0], [extent.x1, extent.y1]])
            assert all(inside(c, boxes[k]) for c in corners), f"{text!r} outside its box"
            if k + 1 < len(boxes):  # and above the box inside it
                assert corners[0][1] > boxes[k + 1][3], f"{text!r} overlaps the inner box"


@pytest.mark.parametrize("lang", LANGS)
def test_neuron_parts_stand_above_the_perceptron_parts_with_the_same_role(lang):
    fig = diagrams.draw_neuron_and_perceptron(lang=lang)
    at = {t.get_text(): t.get_position() for t in fig.axes[0].texts}
    dendrites, body, axon = (at[label] for label in diagrams.LABELS[lang]["neuron_parts"])
    x1, sigma, y_out = at["$x_1$"], at[r"$\Sigma$"], at["$y$"]
    assert abs(dendrites[0] - x1[0]) < 0.5  # over the inputs
    assert abs(body[0] - sigma[0]) < 0.5  # over the sum
    assert x1[0] < sigma[0] < axon[0] <= y_out[0] + 0.5  # the axon over the output side
    perceptron_top = max(y for text, (_, y) in at.items() if text in ("1", "$b$", "$x_1$"))
    assert min(dendrites[1], body[1], axon[1]) > perceptron_top, "the neuron is drawn above"


@pytest.mark.parametrize("lang", LANGS)
def test_learned_features_go_from_edges_to_parts_to_digits(lang):
    words = diagrams.LABELS[lang]
    fig = diagrams.draw_learned_features(lang=lang)
    at = {t.get_text(): t.get_position() for t in fig.axes[0].texts}
    heights = [at[label][1] for label in words["learned_stages"]]
    assert heights == sorted(heights, reverse=True), "layer 1 on top, layer 3 at the bottom"
    left, right = (at[head][0] for head in words["feature_heads"])
    assert all(abs(at[label][0] - left) < 0.01 for label in words["handmade_stages"])
    assert all(abs(at[label][0] - right) < 0.01 for label in words["learned_stages"])
    answers = [t for t in fig.axes[0].texts if t.get_text() == words["answer"]]
    assert len(answers) == 2, "both columns read the same digit"
    # the edge tiles: four strokes in four different directions
    strokes = [line.get_xydata() for line in fig.axes[0].lines if len(line.get_xydata()) == 2]
    angles = {round(np.degrees(np.arctan2(*(b - a)[::-1])) % 180) for a, b in strokes}
    assert {0, 45, 90, 135} <= angles


def test_weight_mosaic_tiles_are_the_columns_of_w_pixel_by_pixel():
    W = random_weights(9)
    mosaic = diagrams.weight_mosaic(W, n=7, cols=3, gap=2)
    assert mosaic.shape == (3 * 30 - 2, 3 * 30 - 2)
    for k in range(7):
        r, c = divmod(k, 3)
        for i, j in itertools.product(range(28), repeat=2):  # pixel i*28 + j of the image
            assert mosaic[r * 30 + i, c * 30 + j] == W[i * 28 + j, k]
    assert np.isnan(mosaic[28:30]).all() and np.isnan(mosaic[:, 28:30]).all()  # the gaps
    assert np.isnan(mosaic[60:, 30:]).all()  # after the 7th tile: nothing


@pytest.mark.parametrize("lang", LANGS)
def test_weight_images_show_the_mosaic_on_a_scale_symmetric_about_zero(lang):
    W = random_weights(30) + 0.02  # mostly positive: the scale must still centre on 0
    fig = diagrams.draw_weight_images(W, n=12, cols=6, lang=lang)
    [image] = fig.axes[0].images
    shown = np.ma.filled(image.get_array(), np.nan)
    np.testing.assert_array_equal(shown, diagrams.weight_mosaic(W, 12, 6))
    vmin, vmax = image.get_clim()
    assert vmin == -vmax > -np.abs(W[:, :12]).max()
    assert "30" in fig.axes[0].get_title() and "12" in fig.axes[0].get_title()


@pytest.mark.parametrize("W, n, message", [
    (np.ones((783, 5)), 3, r"W must be \(784, M\)"),
    (np.ones((784, 5)), 6, "only 5 neurons"),
    (np.ones((784, 5)), 0, "n must be an integer >= 1"),
])
def test_weight_images_bad_arguments_are_clear_errors(W, n, message):
    with pytest.raises(ValueError, match=message):
        diagrams.draw_weight_images(W, n=n)


@pytest.mark.parametrize("lang", LANGS)
def test_timeline_rows_are_in_year_order_each_with_its_kinds_marker(lang):
    events = TIMELINE[lang]
    fig = diagrams.draw_timeline(events, lang=lang)
    ax = fig.axes[0]
    rows = {t.get_text(): t.get_position()[1] for t in ax.texts}
    order = sorted(events, key=lambda e: rows[e[2]], reverse=True)  # top to bottom
    assert [year for year, _, _ in order] == sorted(year for year, _, _ in events)
    assert [e[2] for e in order if e[0] == 2010] == [e[2] for e in events if e[0] == 2010]
    markers = {round(line.get_ydata()[0], 6): line.get_marker() for line in ax.lines
               if len(line.get_ydata()) == 1}
    for year, kind, text in events:
        assert markers[round(rows[text], 6)] == diagrams.TIMELINE_KINDS[kind][0], text
    assert len(set(m for m, _ in diagrams.TIMELINE_KINDS.values())) == 4, "shapes, not only colours"


@pytest.mark.parametrize("events, message", [
    ([(2012, "luck", "x")], "kind must be one of"),
    ([], "events is empty"),
    ([(2012.5, "data", "x")], "year must be an integer"),
])
def test_timeline_bad_events_are_clear_errors(events, message):
    with pytest.raises(ValueError, match=message):
        diagrams.draw_timeline(events)


# ---- lesson 1: the perceptron -------------------------------------------------------------------

def test_perceptron_shows_inputs_weights_bias_and_output():
    shown = labels(diagrams.draw_perceptron())
    for symbol in ("$x_1$", "$x_2$", "$w_1$", "$w_2$", "$b$", "1", "$y$", r"$\Sigma$"):
        assert symbol in shown


def test_perceptron_with_values_shows_them():
    shown = labels(diagrams.draw_perceptron(w=(0.5, -2), b=-0.7))
    assert {"$w_1$ = 0.5", "$w_2$ = -2", "$b$ = -0.7"} <= set(shown)


@pytest.mark.parametrize("w, b", [((0.5, 0.5), None), (None, 1.0), ((1, 2, 3), 0)])
def test_perceptron_needs_both_weights_and_bias(w, b):
    with pytest.raises(ValueError, match="give both w"):
        diagrams.draw_perceptron(w=w, b=b)


# ---- lesson 5: the network and its shapes -------------------------------------------------------

def expected_network_labels(network, x_shape):
    """Labels computed here: W, b shapes from the arrays, data shapes by the product rule."""
    n_batch = x_shape[:-1]
    out = {f"x\n{x_shape}"}
    for k in (1, 2, 3):
        W, b = network[f"W{k}"], network[f"b{k}"]
        out.add(f"W{k} {W.shape}\nb{k} {b.shape}")
        name = "y" if k == 3 else f"a{k}, z{k}"
        out.add(f"{name}\n{n_batch + (W.shape[1],)}")
    return out


@pytest.mark.parametrize("x_shape", [(2,), (4, 2)])
def test_network_shows_the_shapes_of_the_arrays(x_shape):
    network = init_network()
    x = None if x_shape == (2,) else np.ones(x_shape)
    shown = set(labels(diagrams.draw_network(network, x)))
    assert expected_network_labels(network, x_shape) <= shown


def test_network_shows_the_books_shapes():
    shown = set(labels(diagrams.draw_network(init_network())))
    assert {"x\n(2,)", "W1 (2, 3)\nb1 (3,)", "a1, z1\n(3,)", "W2 (3, 2)\nb2 (2,)",
            "a2, z2\n(2,)", "W3 (2, 2)\nb3 (2,)", "y\n(2,)"} <= shown


def test_network_line_width_follows_the_weights():
    network = init_network()
    fig = diagrams.draw_network(network)
    lines = [line for line in fig.axes[0].lines if line.get_linestyle() == "-"]  # not biases
    widths = sorted(line.get_linewidth() for line in lines)
    assert len(widths) == 2 * 3 + 3 * 2 + 2 * 2  # one line per weight
    w = sorted(np.abs(np.concatenate([network[f"W{k}"].ravel() for k in (1, 2, 3)])))
    assert np.allclose(widths, 0.5 + 3 * np.array(w) / w[-1])


def test_network_shapes_that_do_not_chain_are_a_clear_error():
    network = init_network()
    network["W2"] = np.ones((2, 2))
    with pytest.raises(ValueError, match="layer 2: the arrays do not chain"):
        diagrams.draw_network(network)
    with pytest.raises(KeyError, match="W1"):
        diagrams.draw_network({})


# ---- lesson 9: computational graphs -------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_apple_graph_shows_forward_values_and_backward_derivatives(lang):
    fig = apple_graph(lang)
    # closed forms: 100 * 2 = 200, 200 * 1.1 = 220; dL/dp = n r = 2.2, dL/dn = p r = 110,
    # dL/d(pn) = r = 1.1, dL/dr = p n = 200, dL/dL = 1
    assert np.allclose(numbers(labels(fig, diagrams.FORWARD)), sorted([100, 2, 200, 1.1, 220]))
    assert np.allclose(numbers(labels(fig, diagrams.BACKWARD)), sorted([2.2, 110, 1.1, 200, 1]))


def test_values_are_shown_to_four_significant_digits():
    assert diagrams.format_value(100 * 2 * 1.1) == "220"  # not 220.00000000000003
    assert diagrams.format_value(2 * 1.1) == "2.2"
    assert diagrams.format_value(1 / 3) == "0.3333"
    assert diagrams.format_value("dout") == "dout"


def test_forward_arrows_are_solid_and_backward_dashed():
    fig = apple_graph("en")
    styles = {}
    for patch in fig.axes[0].patches:
        if hasattr(patch, "get_arrowstyle"):
            color = matplotlib.colors.to_hex(patch.get_edgecolor())
            styles.setdefault(patch.get_linestyle(), set()).add(color)
    assert styles["-"] == {diagrams.FORWARD} and styles["--"] == {diagrams.BACKWARD.lower()}


def test_graph_edge_to_an_unknown_node_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown nodes"):
        diagrams.draw_computational_graph({"a": (0, 0, "a")}, [("a", "b", 1, 1)])


def layer_output_shapes(net, x):
    """Shapes by running the layers' own forward passes on a real batch."""
    shapes = [x.shape]
    for layer in net.layers:
        x = layer.forward(x)
        shapes.append(x.shape)
    return shapes


@pytest.mark.parametrize("hidden", [[50], [100, 100]])
def test_layer_graph_shapes_are_those_of_the_forward_pass(hidden):
    net = MultiLayerNet(784, hidden, 10, rng=0)
    x = np.random.default_rng(0).random((7, 784))
    fig = diagrams.draw_layer_graph(net, x, np.zeros(7, int))
    forward = [t for t in texts(fig) if same_color(t.get_color(), diagrams.FORWARD)
               and t.get_text().startswith("(")]
    forward.sort(key=lambda t: -t.get_position()[1])  # top to bottom
    assert [t.get_text() for t in forward] == [str(s) for s in layer_output_shapes(net, x)]
    backward = labels(fig, diagrams.BACKWARD)
    assert "(y − t)/N\n(7, 10)" in backward and "1" in backward  # into the loss layer, from L
    assert f"dW1 (784, {hidden[0]})\ndb1 ({hidden[0]},)" in backward
    layer_names = ("Affine", "ReLU", "Softmax-with-Loss")
    names = [t.get_text() for t in texts(fig) if t.get_text() in layer_names]
    assert names == ["Affine", "ReLU"] * len(hidden) + ["Affine", "Softmax-with-Loss"]


def test_layer_graph_needs_a_batch_that_fits():
    net = TwoLayerNet(4, 3, 2, rng=0)
    with pytest.raises(ValueError, match="batch"):
        diagrams.draw_layer_graph(net, np.zeros(4))
    with pytest.raises(ValueError, match="5 values per sample"):
        diagrams.draw_layer_graph(net, np.zeros((2, 5)))


# ---- lesson 10: the training loop ---------------------------------------------------------------

def test_training_loop_shows_the_trainers_numbers():
    trainer = tiny_trainer()
    shown = "\n".join(labels(diagrams.draw_training_loop(trainer)))
    assert "50 of 250 images" in shown
    assert f"every {250 // 50} iterations" in shown  # iterations per epoch, computed here
    assert "(3 in all)" in shown
    for step in ("mini-batch", "forward", "backward", "update", "evaluate"):
        assert step in shown


# ---- lesson 11: im2col ---------------------------------------------------------------------------

def reference_patches(image, fh, fw, stride, pad):
    """Patches by the definition: out[i, j] covers x[i*S - P + r, j*S - P + c], 0 outside."""
    h, w = image.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    rows = []
    for i in range(oh):
        for j in range(ow):
            row = []
            for r in range(fh):
                for c in range(fw):
                    y, x = i * stride - pad + r, j * stride - pad + c
                    row.append(image[y, x] if 0 <= y < h and 0 <= x < w else 0)
            rows.append(row)
    return np.array(rows)


def grid_rows(fig):
    """The numbers of the figure's cells, grouped into rows by height, top to bottom (the
    row numbers beside the matrix are right-aligned, the cells' numbers centred)."""
    cells = {}
    for t in fig.axes[0].texts:
        number = t.get_text().lstrip("-").replace(".", "").isdigit()
        if number and t.get_horizontalalignment() == "center":
            x, y = t.get_position()
            cells.setdefault(round(y, 3), []).append((x, float(t.get_text())))
    return [[v for _, v in sorted(row)] for _, row in sorted(cells.items(), reverse=True)]


@pytest.mark.parametrize("shape, fh, fw, stride, pad", [
    ((4, 4), 3, 3, 1, 0), ((4, 4), 3, 3, 1, 1), ((5, 5), 3, 3, 2, 0), ((3, 4), 2, 3, 1, 0),
    ((4, 6), 2, 2, 2, 1),
])
def test_im2col_rows_are_the_patches_of_the_definition(shape, fh, fw, stride, pad):
    image = np.random.default_rng(0).integers(1, 99, shape)
    padded, corners, rows = diagrams.im2col_patches(image, fh, fw, stride, pad)
    expected = reference_patches(image, fh, fw, stride, pad)
    np.testing.assert_array_equal(rows, expected)
    assert padded.shape == (shape[0] + 2 * pad, shape[1] + 2 * pad)
    assert len(corners) == len(expected)


@pytest.mark.parametrize("pad, max_rows", [(0, 6), (1, 6), (1, 20)])
def test_im2col_figure_shows_the_image_and_the_matrix_rows(pad, max_rows):
    image = np.arange(1, 17).reshape(4, 4)
    fig = diagrams.draw_im2col(image, 3, 3, pad=pad, max_rows=max_rows)
    expected = reference_patches(image, 3, 3, 1, pad)
    shown = grid_rows(fig)
    n_img = 4 + 2 * pad
    np.testing.assert_array_equal(shown[:n_img], np.pad(image, pad))  # the image, padded
    matrix = shown[n_img:]
    if len(expected) <= max_rows:
        np.testing.assert_array_equal(matrix, expected)
    else:  # the first rows, a gap, the last row
        np.testing.assert_array_equal(matrix, [*expected[:max_rows - 1], expected[-1]])
        assert "⋮" in labels(fig)
    caption = f"{len(expected)} rows (one per patch) × 9"
    assert caption in labels(fig)


def test_im2col_outlines_each_patch_around_the_numbers_of_its_row():
    image = np.arange(1, 26).reshape(5, 5)
    fig = diagrams.draw_im2col(image, 3, 3, stride=2)
    ax = fig.axes[0]
    expected = reference_patches(image, 3, 3, 2, 0)
    numbered = [(t.get_position(), float(t.get_text())) for t in ax.texts
                if t.get_text().isdigit()]
    for k, color in enumerate(diagrams.PATCH_COLORS):
        boxes = [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)
                 and not p.get_fill() and same_color(p.get_edgecolor(), color)]
        assert len(boxes) == 2, "one outline in the image, one around its row"
        for box in boxes:
            inside = sorted(v for (x, y), v in numbered if box.contains_point(
                ax.transData.transform((x, y))))
            assert inside == sorted(expected[k]), f"patch {k + 1}"


@pytest.mark.parametrize("call, message", [
    (lambda: diagrams.draw_im2col(np.ones((2, 3, 3)), 2, 2), r"image must be \(H, W\)"),
    (lambda: diagrams.draw_im2col(np.ones((4, 4)), 3, 3, stride=2), "does not fit evenly"),
    (lambda: diagrams.draw_im2col(np.ones((4, 4)), 0, 3), "filter_h must be an integer >= 1"),
    (lambda: diagrams.draw_im2col(np.ones((4, 4)), 2, 2, pad=-1), "pad must be an integer >= 0"),
    (lambda: diagrams.draw_im2col(np.ones((9, 9)), 3, 3), "too large to draw"),
])
def test_im2col_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the figures on the lesson pages, as the build draws them -----------------------------------

def run_page(page, marker, count=1):
    """Run a page's Python blocks in order, as the build does, until ``count`` blocks calling
    ``marker`` have run; return the namespace and the figures each of those blocks drew."""
    blocks = [b for b in pagecode.find_blocks(page.read_text(encoding="utf-8")) if b.runs]
    namespace, drawn = {"__name__": "__main__"}, []
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          threadpool_limits(1, user_api="blas")):  # as the build runs pages: small matrices
        for n, block in enumerate(blocks, start=1):
            plt.close("all")
            exec(compile(block.code, f"<{page.name} block {n}>", "exec"), namespace)
            if marker in block.code:
                drawn.append([plt.figure(k) for k in plt.get_fignums()])
                plt.close("all")  # pyplot lets go of them; their own canvas keeps them drawable
                for fig in drawn[-1]:
                    FigureCanvasAgg(fig)
                if len(drawn) == count:
                    return namespace, drawn
    raise AssertionError(f"{page.name} calls {marker} in fewer than {count} blocks")


def lesson(slug, lang):
    return DOCS / "lessons" / f"{slug}.{lang}.md"


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_1_draws_the_perceptron(lang):
    _, [[fig]] = run_page(lesson("01-perceptron", lang), "draw_perceptron(")
    assert_readable(fig)
    assert {"$x_1$", "$x_2$", "$w_1$", "$w_2$", "$b$", "$y$"} <= set(labels(fig))


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_5_draws_the_network_with_the_shapes_of_its_arrays(lang):
    namespace, [[fig]] = run_page(lesson("05-forward-propagation", lang), "draw_network(")
    assert_readable(fig)
    assert expected_network_labels(namespace["network"], (2,)) <= set(labels(fig))


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_9_apple_graphs_show_what_the_layers_computed(lang):
    namespace, [[apples], [both]] = run_page(lesson("09-backpropagation", lang),
                                             "draw_computational_graph(", count=2)
    p, n, r, q, m = 100, 2, 1.1, 150, 3  # the book's prices, counts and tax
    assert (namespace["apple"], namespace["apple_num"], namespace["tax"]) == (p, n, r)
    forward, backward = [p, n, p * n, r, p * n * r], [n * r, p * r, r, p * n, 1]
    assert np.allclose(numbers(labels(apples, diagrams.FORWARD)), sorted(forward))
    assert np.allclose(numbers(labels(apples, diagrams.BACKWARD)), sorted(backward))
    # apples and oranges: L = (p n + q m) r
    forward = [p, n, q, m, p * n, q * m, p * n + q * m, r, (p * n + q * m) * r]
    backward = [n * r, p * r, m * r, q * r, r, r, r, p * n + q * m, 1]
    assert np.allclose(numbers(labels(both, diagrams.FORWARD)), sorted(forward))
    assert np.allclose(numbers(labels(both, diagrams.BACKWARD)), sorted(backward))
    for fig in (apples, both):
        assert_readable(fig)


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_9_layer_graph_has_the_shapes_of_the_two_layer_net(lang):
    namespace, [[fig]] = run_page(lesson("09-backpropagation", lang), "draw_layer_graph(")
    assert_readable(fig)
    net, x = namespace["net"], namespace["x_batch"]
    shapes = [str(s) for s in layer_output_shapes(net, x)]
    assert shapes == ["(100, 784)", "(100, 50)", "(100, 50)", "(100, 10)"]
    shown = labels(fig, diagrams.FORWARD)
    assert [s for s in shown if s.startswith("(")] == shapes


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_10_draws_the_loop_it_just_ran(lang):
    namespace, [[fig]] = run_page(lesson("10-training", lang), "draw_training_loop(")
    assert_readable(fig)
    trainer = namespace["trainer"]
    iterations = len(namespace["history"]["train_loss"]) // trainer.epochs  # what really ran
    shown = "\n".join(labels(fig))
    assert str(iterations) in shown and f"{len(namespace['x_train']):,}" in shown


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_11_im2col_figures_show_the_rows_of_the_packages_im2col(lang):
    from dlnotes.conv import im2col

    _, [[plain], [padded]] = run_page(lesson("11-cnn", lang), "draw_im2col(", count=2)
    image = np.arange(1, 17).reshape(4, 4)  # the page's image
    for fig, pad in ((plain, 0), (padded, 1)):
        assert_readable(fig)
        expected = reference_patches(image, 3, 3, 1, pad)
        # the im2col the page embeds next gives the same rows
        col = im2col(image.reshape(1, 1, 4, 4).astype(float), 3, 3, pad=pad)
        np.testing.assert_array_equal(col, expected)
        matrix = grid_rows(fig)[4 + 2 * pad:]
        shown = expected if len(expected) <= 6 else [*expected[:5], expected[-1]]
        np.testing.assert_array_equal(matrix, shown)


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_0_draws_its_figures_and_the_shipped_mlps_own_weights(lang):
    from dlnotes.pretrained import load_pretrained

    _, drawn = run_page(lesson("00-what-is-deep-learning", lang), 'lang="', count=5)
    figures = [fig for figs in drawn for fig in figs]
    assert len(figures) == 5
    for fig in figures:
        assert_readable(fig)
    W1 = load_pretrained().net.params["W1"]  # loaded here, not taken from the page
    images = [fig for fig in figures if fig.axes[0].images]
    assert len(images) == 1
    shown = np.ma.filled(images[0].axes[0].images[0].get_array(), np.nan)
    tiles = [shown[r * 30:r * 30 + 28, c * 30:c * 30 + 28] for r in range(2) for c in range(6)]
    for k, tile in enumerate(tiles):
        np.testing.assert_array_equal(tile.ravel(), W1[:, k])
    assert f"{W1.shape[1]}" in images[0].axes[0].get_title()
