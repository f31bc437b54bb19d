"""Diagrams of networks and graphs for the lessons, drawn with matplotlib.

Each function draws one figure that a lesson explains: where deep learning sits inside AI, a
neuron beside the perceptron, hand-made against learned features, a first layer's weights as
images and a timeline (lesson 0), the perceptron (lesson 1), a layered
network with the shape of every array (lesson 5), a computational graph with its forward values
and backward derivatives, and the layer graph of a network (lesson 9), the mini-batch
training loop (lesson 10), and how im2col turns the patches of an image into the rows of a
matrix (lesson 11). The numbers in a figure come from the caller's arrays and objects,
never typed here, so a figure shows what the page's code computed.

Every function takes ``lang="ko"`` or ``"en"`` for its words (Korean is drawn with the font of
:func:`dlnotes.plotting.use_korean_font`), gives the figure a title (the page's alt text), and
returns the Figure. The figures are sized for a phone screen: large type, few words. Forward
arrows are solid and black, backward ones dashed and red, so they differ in more than colour.
"""

import contextlib

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Arc, Circle, Ellipse, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.transforms import Bbox

from dlnotes.plotting import use_korean_font

UNIT = 0.75  # inches per unit of layout coordinates: fixes the size of everything drawn
FONT, SMALL, TITLE = 14, 13, 14  # points; a 5-inch figure is shown about 0.75x on a phone
FORWARD, BACKWARD, MUTED = "#1a1a1a", "#c62828", "#555555"  # all >= 4.5:1 contrast on white

LABELS = {
    "en": {
        "forward": "forward: values",
        "backward": "backward: derivatives",
        "perceptron_title": "A perceptron: inputs times weights,\nplus the bias, then a step",
        "sum": "sum a",
        "step": "step",
        "network_title": "The {sizes} network:\nthe shape of every array",
        "layer_names": ("input", "hidden {k}", "output"),
        "graph_title": "Computational graph: forward values\nabove, backward derivatives below",
        "layers_title": ("{name} as a computational graph:\n"
                         "forward on the left, backward on the right"),
        "loss": "loss L",
        "scalar": "scalar",
        "loop_title": ("The training loop: mini-batch, gradient,\n"
                       "update; evaluate after each epoch"),
        "sample": "draw a random mini-batch:",
        "sample_of": "{batch} of {n:,} images",
        "forward_loss": "forward: loss L",
        "backward_grad": "backward: gradient",
        "update": "update the weights",
        "repeat": "repeat",
        "per_epoch": "every {iters} iterations\n= 1 epoch",
        "evaluate": "evaluate: accuracy\non training and test data",
        "next_epoch": "next\nepoch",
        "epochs": "({epochs} in all)",
        "im2col_title": "im2col: each {fh}×{fw} patch of the image\nbecomes one row of a matrix",
        "image": "image {h}×{w}",
        "padded": "image {h}×{w}, padded by {pad}",
        "patch_to_row": "patch → row",
        "stride": "stride {stride}",
        "matrix": "{rows} rows (one per patch) × {cols}",
        "fields": (
            ("Artificial intelligence", "e.g. a chess program that searches\n"
                                         "its moves by rules people wrote"),
            ("Machine learning", "e.g. a spam filter that learns\n"
                                  "from e-mails labelled by people"),
            ("Deep learning", "e.g. a network of many layers\nthat reads handwritten digits"),
        ),
        "fields_title": ("Deep learning is one kind of machine learning,\n"
                         "which is one way to build AI"),
        "neuron": "neuron",
        "perceptron": "perceptron",
        "neuron_parts": (("dendrites:\n"
                         "signals in", "cell body:\nadds them up", "axon:\nsignal out")),
        "neuron_title": ("A neuron and the perceptron modelled on it:\n"
                         "signals in, a sum, a threshold, one output"),
        "feature_heads": ("hand-made", "learned"),
        "handmade_stages": ("features a person\nchose to measure:\nloops, stroke\ndirections, ...",
                            "classifier\n(the only part\nthat learns)"),
        "learned_stages": ("layer 1: edges", "layer 2: parts", "layer 3: digits"),
        "answer": "“7”",
        "features_title": "Features: designed by a person,\nor learned layer by layer",
        "weights_key": "red: ink here raises the neuron's sum\nblue: ink here lowers it",
        "weights_title": ("Learned, not designed: the weights of\n"
                          "neurons 1–{n} of {total} as 28×28 images"),
        "kinds": {"data": "data", "hardware": "hardware", "algorithm": "algorithm",
                  "result": "result"},
        "timeline_title": ("Deep learning took off in the 2010s:\n"
                           "more data, GPUs, better algorithms"),
    },
    "ko": {
        "forward": "순전파: 값",
        "backward": "역전파: 미분",
        "perceptron_title": "퍼셉트론: 입력에 가중치를 곱하고\n편향을 더한 뒤 계단 함수",
        "sum": "합 a",
        "step": "계단 함수",
        "network_title": "{sizes} 신경망과\n각 배열의 형상",
        "layer_names": ("입력층", "은닉층 {k}", "출력층"),
        "graph_title": "계산 그래프: 위는 순전파의 값,\n아래는 역전파의 미분",
        "layers_title": "계산 그래프로 본 {name}:\n왼쪽은 순전파, 오른쪽은 역전파",
        "loss": "손실 L",
        "scalar": "스칼라",
        "loop_title": "학습 루프: 미니배치, 기울기, 갱신,\n에폭마다 평가",
        "sample": "미니배치를 무작위로 뽑기:",
        "sample_of": "{n:,}장 중 {batch}장",
        "forward_loss": "순전파: 손실 L",
        "backward_grad": "역전파: 기울기",
        "update": "가중치 갱신",
        "repeat": "반복",
        "per_epoch": "{iters}번 반복마다\n= 1에폭",
        "evaluate": "평가: 훈련 데이터와\n시험 데이터의 정확도",
        "next_epoch": "다음\n에폭",
        "epochs": "(모두 {epochs}번)",
        "im2col_title": "im2col: 이미지의 {fh}×{fw} 조각 하나가\n행렬의 한 행이 됩니다",
        "image": "이미지 {h}×{w}",
        "padded": "이미지 {h}×{w}, 패딩 {pad}",
        "patch_to_row": "조각 → 행",
        "stride": "스트라이드 {stride}",
        "matrix": "{rows}행(조각마다 한 행) × {cols}열",
        "fields": (
            ("인공지능", "예: 사람이 짠 규칙으로\n수를 찾는 체스 프로그램"),
            ("머신러닝", "예: 사람이 분류해 둔 메일로\n배우는 스팸 필터"),
            ("딥러닝", "예: 손글씨 숫자를 읽는\n여러 층의 신경망"),
        ),
        "fields_title": "딥러닝은 머신러닝의 한 갈래이고,\n머신러닝은 인공지능을 만드는 한 방법",
        "neuron": "뉴런",
        "perceptron": "퍼셉트론",
        "neuron_parts": ("가지돌기:\n신호가 들어옴", "세포체:\n신호를 더함", "축삭:\n신호를 내보냄"),
        "neuron_title": "뉴런과 그것을 본뜬 퍼셉트론:\n들어온 신호, 합, 문턱값, 출력 하나",
        "feature_heads": ("사람이 만든 특징", "학습한 특징"),
        "handmade_stages": ("사람이 정한\n특징을 잰다:\n고리 수, 획의\n방향, ...",
                            "분류기\n(학습하는 것은\n여기뿐)"),
        "learned_stages": ("1층: 가장자리", "2층: 부분", "3층: 숫자"),
        "answer": "“7”",
        "features_title": "특징: 사람이 설계하거나,\n층마다 학습하거나",
        "weights_key": "빨강: 이 픽셀에 잉크가 있으면 합이 커짐\n파랑: 잉크가 있으면 합이 작아짐",
        "weights_title": "설계가 아니라 학습한 것: 뉴런 {total}개 중\n1~{n}번의 가중치를 28×28 이미지로",
        "kinds": {"data": "데이터", "hardware": "하드웨어", "algorithm": "알고리즘",
                  "result": "성과"},
        "timeline_title": "딥러닝은 2010년대에 도약했습니다:\n더 많은 데이터, GPU, 더 나은 알고리즘",
    },
}


@contextlib.contextmanager
def _words(lang):
    """Yield the labels for ``lang``; Korean text created inside is drawn with a Korean font.

    A text keeps the font family it was created with, so the rcParams change can end here.
    """
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LABELS))}, got {lang!r}")
    with matplotlib.rc_context():
        if lang == "ko":
            use_korean_font()
        yield LABELS[lang]


def _canvas(xlim, ylim, ax):
    """Axes on which one layout unit is UNIT inches (a new figure unless ``ax`` is given)."""
    if ax is None:
        fig = plt.figure(figsize=((xlim[1] - xlim[0]) * UNIT, (ylim[1] - ylim[0]) * UNIT))
        ax = fig.add_axes((0, 0, 1, 1))
        ax._dlnotes_fit = True  # ours to resize in _finish
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.axis("off")
    return ax


def _drawn_box(ax):
    """The box around everything drawn on ``ax`` so far, in layout units."""
    renderer = _renderer(ax.figure)
    box = Bbox.union([a.get_window_extent(renderer) for a in [*ax.texts, *ax.patches, *ax.lines]])
    return box.transformed(ax.transData.inverted())


def _finish(ax, title, pad=0.15):
    """Set the title and the limits; size our own figure so that everything drawn lies inside."""
    fig = ax.figure
    ax.set_title(title, fontsize=TITLE, pad=8)
    box = _drawn_box(ax)  # in layout units, which resizing the figure does not change
    if not getattr(ax, "_dlnotes_fit", False):  # the caller's Axes: show all, keep its size
        ax.set(xlim=(box.x0 - pad, box.x1 + pad), ylim=(box.y0 - pad, box.y1 + pad))
        return fig
    renderer = _renderer(fig)
    title_width = ax.title.get_window_extent(renderer).width / fig.dpi / UNIT + 2 * pad
    extra = max(0, title_width - (box.width + 2 * pad)) / 2  # widen for a long title
    xlim = (box.x0 - pad - extra, box.x1 + pad + extra)
    ylim = (box.y0 - pad, box.y1 + pad)
    ax.set(xlim=xlim, ylim=ylim)
    width, height = (xlim[1] - xlim[0]) * UNIT, (ylim[1] - ylim[0]) * UNIT
    title_height = ax.title.get_window_extent(renderer).height / fig.dpi + 0.25
    fig.set_size_inches(width, height + title_height)
    ax.set_position((0, 0, 1, height / (height + title_height)))
    return fig


def _arrow(ax, start, end, backward=False, color=None, lw=1.6):
    """A straight arrow: solid for the forward pass, dashed (and red) for the backward pass."""
    ax.add_patch(FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=16, lw=lw, shrinkA=0, shrinkB=0,
        color=color or (BACKWARD if backward else FORWARD), linestyle="--" if backward else "-",
    ))


def _node(ax, xy, label, r=0.3, fontsize=FONT, face="white", edge=FORWARD):
    """A circle of radius ``r`` (layout units) with a centred label."""
    ax.add_patch(Circle(xy, r, facecolor=face, edgecolor=edge, lw=1.5, zorder=2))
    ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, zorder=3)


def _renderer(fig):
    """The renderer that measures text (the figure's own when pyplot has let go of it)."""
    canvas = fig.canvas
    return canvas.get_renderer() if hasattr(canvas, "get_renderer") else fig._get_renderer()


def _text_size(ax, label, fontsize):
    """Width and height of a label in layout units, as it will be drawn."""
    text = ax.text(0, 0, label, fontsize=fontsize, linespacing=1.3)
    box = text.get_window_extent(_renderer(ax.figure))
    text.remove()
    (x0, y0), (x1, y1) = ax.transData.inverted().transform(box.get_points())
    return x1 - x0, y1 - y0


def _box(ax, xy, size, label, fontsize=FONT, face="white"):
    """A rounded box with a centred label, at least ``size`` and large enough for the label."""
    (x, y), (w, h) = xy, size
    tw, th = _text_size(ax, label, fontsize)
    w, h = max(w, tw + 0.4), max(h, th + 0.3)
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                facecolor=face, edgecolor=FORWARD, lw=1.5, zorder=2))
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, linespacing=1.3, zorder=3)
    return w, h


def _key(ax, x, y, words):
    """The legend: a solid forward arrow and a dashed backward arrow with their meaning."""
    for k, (backward, text) in enumerate([(False, words["forward"]), (True, words["backward"])]):
        yk = y - 0.5 * k
        _arrow(ax, (x, yk), (x + 0.8, yk), backward=backward)
        ax.text(x + 1.0, yk, text, ha="left", va="center", fontsize=FONT,
                color=BACKWARD if backward else FORWARD)


def format_value(value):
    """A number as a diagram shows it: 4 significant digits, so 220.00000000000003 is 220."""
    if isinstance(value, str):
        return value
    return f"{float(value):.4g}"


def draw_perceptron(w=None, b=None, lang="en", ax=None):
    """Draw a two-input perceptron: x1, x2 and the constant 1, weighted, summed, stepped to y.

    Parameters
    ----------
    w : pair of numbers, optional
        Weights shown on the edges (``w1 = 0.5``); symbols ``w1``, ``w2`` if None.
    b : number, optional
        Bias shown on the edge from the constant input 1; the symbol ``b`` if None.
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if (w is None) != (b is None) or (w is not None and len(w) != 2):
        raise ValueError("give both w (two weights) and b, or neither")
    with _words(lang) as words:
        ax = _canvas((-0.5, 5.7), (-1.4, 2.1), ax)
        inputs = {"1": (0, 1.6), "$x_1$": (0, 0.35), "$x_2$": (0, -0.9)}
        weights = (["$b$", "$w_1$", "$w_2$"] if w is None else
                   [f"$b$ = {format_value(b)}", f"$w_1$ = {format_value(w[0])}",
                    f"$w_2$ = {format_value(w[1])}"])
        s, step, out = (2.3, 0.35), (3.85, 0.35), (5.3, 0.35)
        # each weight beside its edge, on the side away from the other edges
        places = [dict(ha="left", va="bottom"), dict(ha="center", va="bottom"),
                  dict(ha="left", va="top")]
        for (label, xy), weight, place in zip(inputs.items(), weights, places):
            bias = label == "1"
            _node(ax, xy, label, face="#eeeeee" if bias else "white",
                  edge=MUTED if bias else FORWARD)
            start, end = np.array(xy), np.array(s)
            d = (end - start) / np.linalg.norm(end - start)
            _arrow(ax, start + 0.3 * d, end - 0.42 * d, color=MUTED if bias else FORWARD)
            x, y = start + 0.4 * (end - start)
            ax.text(x + 0.05, y + (0.12 if place["va"] == "bottom" else -0.12), weight,
                    fontsize=FONT, **place)
        _node(ax, s, r"$\Sigma$", r=0.4, fontsize=FONT + 4)
        ax.text(s[0], s[1] - 0.55, words["sum"], ha="center", va="top", fontsize=SMALL)
        _arrow(ax, (s[0] + 0.42, s[1]), (step[0] - 0.55, s[1]))
        _box(ax, step, (1.0, 0.8), "")
        sx = step[0] + np.array([-0.38, 0, 0, 0.38])
        sy = step[1] + np.array([-0.25, -0.25, 0.25, 0.25])
        ax.plot(sx, sy, color=FORWARD, lw=2, zorder=3)  # the step function, 0 then 1
        ax.text(step[0], step[1] - 0.55, words["step"], ha="center", va="top", fontsize=SMALL)
        _arrow(ax, (step[0] + 0.55, s[1]), (out[0] - 0.32, s[1]))
        _node(ax, out, "$y$")
        return _finish(ax, words["perceptron_title"])


def network_shapes(network, x=None):
    """The shapes a layered network's arrays take for input ``x``, from the arrays themselves.

    ``network`` holds W1, b1, ..., WL, bL. Each layer's weighted sums are computed as
    ``z @ W + b`` on the real arrays, so the shapes are what NumPy gives. ``x`` defaults to
    one sample of zeros, shape (W1.shape[0],).

    Returns
    -------
    list of (name, shape) pairs, in order: "x", "W1", "b1", "a1", "W2", ...; the last layer's
    output is named "y".
    """
    if "W1" not in network:
        raise KeyError("network has no W1: it needs W1, b1, W2, b2, ...")
    n_layers = 1
    while f"W{n_layers + 1}" in network:
        n_layers += 1
    z = np.zeros(np.shape(network["W1"])[0]) if x is None else np.asarray(x)
    shapes = [("x", z.shape)]
    for layer in range(1, n_layers + 1):
        W, b = network[f"W{layer}"], network[f"b{layer}"]
        try:
            z = z @ W + b  # the activation does not change the shape
        except ValueError as err:
            raise ValueError(f"layer {layer}: the arrays do not chain: {err}") from None
        name = "y" if layer == n_layers else f"a{layer}"
        shapes += [(f"W{layer}", np.shape(W)), (f"b{layer}", np.shape(b)), (name, z.shape)]
    return shapes


def _shown(n, most=6):
    """Which neurons of a layer of n to draw: all, or the first and last few around a gap."""
    return list(range(n)) if n <= most else [0, 1, 2, None, n - 2, n - 1]


def _shape(shape):
    return str(tuple(shape))


def draw_network(network, x=None, lang="en", ax=None):
    """Draw a layered network, a circle per neuron, with the shape of every array.

    Parameters
    ----------
    network : dict
        W1, b1, ..., WL, bL, as returned by :func:`dlnotes.network.init_network`. Line width
        grows with the size of each weight; dashed lines from a node "1" are the biases, as in
        the book's figures. The shapes are computed by :func:`network_shapes`.
    x : array, optional
        An input (one sample or a batch); its shape and the shapes it produces are shown.
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    shapes = dict(network_shapes(network, x))
    n_layers = len(shapes) // 3
    sizes = [np.shape(network["W1"])[0]] + [np.shape(network[f"W{k}"])[1]
                                            for k in range(1, n_layers + 1)]
    dy, r = 0.8, 0.26
    with _words(lang) as words:
        ax = _canvas((-0.5, 1.6 * n_layers + 0.5), (-3, 3), ax)
        weights = [f"W{k} {_shape(shapes[f'W{k}'])}\nb{k} {_shape(shapes[f'b{k}'])}"
                   for k in range(1, n_layers + 1)]
        dx = max(1.6, max(_text_size(ax, w, SMALL)[0] for w in weights) + 0.3)  # layer spacing
        ax.set_xlim(-0.5, dx * n_layers + 0.5)

        def centre(layer, k):
            shown = _shown(sizes[layer])
            return dx * layer, dy * ((len(shown) - 1) / 2 - shown.index(k))

        def neurons(layer):
            return [k for k in _shown(sizes[layer]) if k is not None]

        w_max = max(np.max(np.abs(network[f"W{k}"])) for k in range(1, n_layers + 1)) or 1
        for layer in range(1, n_layers + 1):
            W = np.asarray(network[f"W{layer}"])
            for i in neurons(layer - 1):
                for j in neurons(layer):
                    ax.plot(*zip(centre(layer - 1, i), centre(layer, j)), color="#1f4e79",
                            lw=0.5 + 3 * abs(W[i, j]) / w_max, zorder=1)
        top = dy * (max(len(_shown(n)) for n in sizes) - 1) / 2 + r
        for layer in range(n_layers):  # the biases: weights from a node that always outputs 1
            one = (dx * layer + 0.45, -top - 0.45)
            for j in neurons(layer + 1):
                ax.plot(*zip(one, centre(layer + 1, j)), color=MUTED, lw=1, ls="--", zorder=1)
            _node(ax, one, "1", r=0.2, fontsize=SMALL, face="#eeeeee", edge=MUTED)
        top += 0.7  # the labels go below the bias nodes
        names = ["x"] + [f"a{k}, z{k}" for k in range(1, n_layers)] + ["y"]
        first, hidden, last = words["layer_names"]
        for layer, n in enumerate(sizes):
            for k in _shown(n):
                if k is None:  # the neurons left out of a large layer
                    ax.text(*centre(layer, None), "⋮", ha="center", va="center", fontsize=FONT)
                    continue
                label = f"${names[layer][0]}_{{{k + 1}}}$" if layer in (0, n_layers) else ""
                big = k >= 99  # three digits: a smaller label in a larger circle
                _node(ax, centre(layer, k), label, r=r + 0.06 * big, fontsize=FONT - 2 * big)
            key = "x" if layer == 0 else ("y" if layer == n_layers else f"a{layer}")
            ax.text(dx * layer, -top - 0.2, f"{names[layer]}\n{_shape(shapes[key])}",
                    ha="center", va="top", fontsize=SMALL, linespacing=1.4)
            name = first if layer == 0 else (last if layer == n_layers else hidden.format(k=layer))
            ax.text(dx * layer, -top - 1.35, name, ha="center", va="top", fontsize=SMALL,
                    color=MUTED)
        for layer, label in enumerate(weights, start=1):
            ax.text(dx * (layer - 0.5), top + 0.2, label, ha="center", va="bottom",
                    fontsize=SMALL, linespacing=1.3)
        title = words["network_title"].format(sizes=" → ".join(map(str, sizes)))
        return _finish(ax, title)


OPERATIONS = ("×", "+")  # node labels drawn as circles; any other label names an input or output


def _away(direction):
    """Text alignment that puts a label on the ``direction`` side of its anchor point."""
    dx, dy = direction
    return {"ha": "center" if abs(dx) < 0.5 else ("left" if dx > 0 else "right"),
            "va": "center" if abs(dy) < 0.5 else ("bottom" if dy > 0 else "top")}


def draw_computational_graph(nodes, edges, lang="en", title=None, ax=None):
    """Draw a computational graph with forward values above and backward derivatives below.

    Parameters
    ----------
    nodes : dict
        ``{name: (x, y, label)}`` in layout units (one unit is 0.75 inch). A label "×" or "+"
        is an operation, drawn as a circle; any other label names an input or the output and is
        written at the free end of its arrow.
    edges : list of (from, to, forward, backward)
        ``forward`` is the value the edge carries, ``backward`` the derivative of the output
        with respect to it: numbers (shown to 4 significant digits) or strings.
    lang : {"en", "ko"}
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    for src, dst, *_ in edges:
        missing = {src, dst} - nodes.keys()
        if missing:
            raise ValueError(f"edge {src!r} -> {dst!r} names unknown nodes: {sorted(missing)}")
    r = 0.3
    with _words(lang) as words:
        xs, ys = zip(*[(x, y) for x, y, _ in nodes.values()])
        ax = _canvas((min(xs) - 0.5, max(xs) + 0.5), (min(ys) - 1.6, max(ys) + 0.5), ax)
        ops = {name for name, (_, _, label) in nodes.items() if label in OPERATIONS}
        for src, dst, forward, backward in edges:
            p, q = np.array(nodes[src][:2], float), np.array(nodes[dst][:2], float)
            d = (q - p) / np.linalg.norm(q - p)  # along the arrow
            n = np.array([-d[1], d[0]])  # across it, to its left
            a = p + (r + 0.08 if src in ops else 0) * d  # start and end outside the circles
            b = q - (r + 0.08 if dst in ops else 0) * d
            _arrow(ax, a + 0.07 * n, b + 0.07 * n)
            _arrow(ax, b - 0.07 * n, a - 0.07 * n, backward=True)
            m = (a + b) / 2
            for value, side, color in ((forward, n, FORWARD), (backward, -n, BACKWARD)):
                ax.text(*(m + 0.2 * side), format_value(value), fontsize=FONT, color=color,
                        **_away(side))
            for name, end, sign in ((src, a, -1), (dst, b, 1)):
                if name not in ops:  # an input or the output: its name beyond the arrow's end
                    ax.text(*(end + 0.15 * sign * d), nodes[name][2], fontsize=FONT,
                            linespacing=1.2, **_away(sign * d))
        for name in ops:
            x, y, label = nodes[name]
            _node(ax, (x, y), label, r=r, fontsize=FONT + 4)
        _key(ax, min(xs), _drawn_box(ax).y0 - 0.4, words)
        return _finish(ax, words["graph_title"] if title is None else title)


DISPLAY_NAMES = {"Relu": "ReLU", "SoftmaxWithLoss": "Softmax-with-Loss"}


def layer_graph_shapes(net, x):
    """Names and output shapes of ``net.layers`` for a batch ``x``, without running the net.

    A layer with a weight matrix ``W`` (Affine) maps (N, n_in) to (N, W.shape[1]); any other
    layer keeps the shape. Returns ``[("x", x.shape), (layer name, output shape), ...]``.
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x must be a batch (N, ...), got shape {x.shape}")
    shapes, shape = [("x", x.shape)], x.shape
    for layer in net.layers:
        if hasattr(layer, "W"):
            n_in = int(np.prod(shape[1:]))
            if n_in != layer.W.shape[0]:
                raise ValueError(f"x has {n_in} values per sample but W has shape "
                                 f"{layer.W.shape}")
            shape = (shape[0], layer.W.shape[1])
        shapes.append((type(layer).__name__, shape))
    return shapes


def draw_layer_graph(net, x, t=None, lang="en", ax=None):
    """Draw a network's layers as a computational graph, top to bottom, with array shapes.

    Solid arrows down the left carry the forward pass with the shape of each array; dashed
    arrows up the right carry the backward pass: 1 from the loss, (y - t)/N out of
    Softmax-with-Loss, then ``dout`` through each layer, and dW, db beside each Affine layer.

    Parameters
    ----------
    net : MultiLayerNet, TwoLayerNet, or anything with ``layers`` and ``last_layer``
    x : array (N, ...)
        A batch; the shapes are computed from it and from the weights.
    t : array, optional
        Its labels, whose shape is shown.
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    shapes = layer_graph_shapes(net, x)
    names = [DISPLAY_NAMES.get(n, n) for n, _ in shapes[1:]]
    last = type(net.last_layer).__name__
    names.append(DISPLAY_NAMES.get(last, last))
    step, width, height = 1.45, 2.7, 0.62
    with _words(lang) as words:
        bottom = -step * len(names)
        ax = _canvas((-3, 3), (bottom - 0.5, 0.5), ax)
        ax.text(0, 0, "x", ha="center", va="center", fontsize=FONT)
        affine = 0
        for k, name in enumerate(names, start=1):
            y = -step * k
            _box(ax, (0, y), (width, height), name)
            above = y + step - (0.25 if k == 1 else height / 2 + 0.08)
            _arrow(ax, (-0.5, above), (-0.5, y + height / 2 + 0.08))
            _arrow(ax, (0.5, y + height / 2 + 0.08), (0.5, above), backward=True)
            shape = _shape(shapes[k - 1][1])
            ax.text(-0.65, y + step / 2, shape, ha="right", va="center", fontsize=SMALL,
                    color=FORWARD)
            grad = "dx" if k == 1 else ("(y − t)/N" if k == len(names) else "dout")
            ax.text(0.65, y + step / 2, f"{grad}\n{shape}", ha="left", va="center",
                    fontsize=SMALL, color=BACKWARD, linespacing=1.2)
            layer = net.layers[k - 1] if k < len(names) else None
            if layer is not None and hasattr(layer, "W"):
                affine += 1
                ax.text(width / 2 + 0.15, y, f"dW{affine} {_shape(layer.W.shape)}\n"
                        f"db{affine} {_shape(np.shape(layer.b))}", ha="left", va="center",
                        fontsize=SMALL, color=BACKWARD, linespacing=1.3)
        y = bottom - step + 0.3  # the loss, below the last layer
        ax.text(0, y, words["loss"], ha="center", va="top", fontsize=FONT)
        _arrow(ax, (-0.5, bottom - height / 2 - 0.08), (-0.5, y + 0.05))
        _arrow(ax, (0.5, y + 0.05), (0.5, bottom - height / 2 - 0.08), backward=True)
        ax.text(-0.65, y + 0.35, words["scalar"], ha="right", va="center", fontsize=SMALL)
        ax.text(0.65, y + 0.35, "1", ha="left", va="center", fontsize=SMALL, color=BACKWARD)
        t_label = "t" if t is None else f"t\n{_shape(np.shape(t))}"
        _arrow(ax, (-width / 2 - 0.6, bottom), (-width / 2 - 0.1, bottom))
        ax.text(-width / 2 - 0.7, bottom, t_label, ha="right", va="center", fontsize=SMALL,
                linespacing=1.2)
        _key(ax, -2.5, _drawn_box(ax).y0 - 0.4, words)
        return _finish(ax, words["layers_title"].format(name=type(net).__name__))


def draw_training_loop(trainer=None, lang="en", ax=None):
    """Draw the mini-batch training loop of :class:`dlnotes.trainer.Trainer`.

    Draw a mini-batch, forward pass and loss, backward pass and gradient, update the weights;
    repeat, and after each epoch evaluate.

    Parameters
    ----------
    trainer : Trainer, optional
        Anything with ``batch_size``, ``iter_per_epoch``, ``epochs`` and ``x_train``: its
        numbers are shown. Without it the loop is drawn in words only.
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    with _words(lang) as words:
        ax = _canvas((-3, 3), (-7, 0.6), ax)
        sample = words["sample"]
        if trainer is not None:
            sample += "\n" + words["sample_of"].format(batch=trainer.batch_size,
                                                       n=len(trainer.x_train))
        steps = [sample, words["forward_loss"], words["backward_grad"],
                 words["update"] + "\n" + r"$W \leftarrow W - \eta\,\partial L / \partial W$"]
        evaluate_label = words["evaluate"]
        width = max(_text_size(ax, label, SMALL)[0] for label in [*steps, evaluate_label])
        width += 0.4
        gap, boxes, y = 0.55, [], 0  # boxes: (top, bottom) of each
        for label in steps:
            h = _text_size(ax, label, SMALL)[1] + 0.3
            _box(ax, (0, y - h / 2), (width, h), label, fontsize=SMALL)
            boxes.append((y, y - h))
            y -= h + gap
        for (_, low), (high, _) in zip(boxes, boxes[1:]):
            _arrow(ax, (0, low - 0.08), (0, high + 0.08))
        first = sum(boxes[0]) / 2  # the middle of the first box, where both loops return
        last = sum(boxes[-1]) / 2
        # every iteration: from the update back to a new mini-batch (left)
        left = -width / 2 - 0.45
        ax.plot([-width / 2 - 0.08, left, left], [last, last, first], color=FORWARD, lw=1.6)
        _arrow(ax, (left, first), (-width / 2 - 0.08, first))
        ax.text(left - 0.12, (first + last) / 2, words["repeat"], ha="right", va="center",
                fontsize=SMALL)
        # every epoch: evaluate, then the next epoch (right)
        h = _text_size(ax, evaluate_label, SMALL)[1] + 0.3
        evaluate = boxes[-1][1] - 1.3 - h / 2
        iters = "N / B" if trainer is None else trainer.iter_per_epoch
        _arrow(ax, (0, boxes[-1][1] - 0.08), (0, evaluate + h / 2 + 0.08))
        ax.text(0.15, boxes[-1][1] - 0.65, words["per_epoch"].format(iters=iters),
                ha="left", va="center", fontsize=SMALL, color=MUTED)
        _box(ax, (0, evaluate), (width, h), evaluate_label, fontsize=SMALL, face="#f3f3f3")
        right = width / 2 + 0.45
        ax.plot([width / 2 + 0.08, right, right], [evaluate, evaluate, first], color=FORWARD,
                lw=1.6)
        _arrow(ax, (right, first), (width / 2 + 0.08, first))
        label = words["next_epoch"]
        if trainer is not None:
            label += "\n" + words["epochs"].format(epochs=trainer.epochs)
        ax.text(right + 0.12, (first + last) / 2, label, ha="left", va="center", fontsize=SMALL)
        return _finish(ax, words["loop_title"])


PATCH_COLORS = ("#1565c0", "#e65100", "#2e7d32")  # blue, orange, green: >= 3:1 on white
PATCH_STYLES = ("-", "--", ":")  # the patches differ in more than colour
PATCH_TINTS = ("#dbe8f7", "#fde6d5", "#dcefdd")


def im2col_patches(image, filter_h, filter_w, stride=1, pad=0):
    """The patches a filter visits on one image, in the order of im2col's rows, by plain loops.

    Parameters
    ----------
    image : array (H, W)
        One channel of one image (a (1, H, W) or (1, 1, H, W) array is taken as (H, W)).
    filter_h, filter_w : int
        The filter's height and width.
    stride, pad : int
        Step between patches and the zeros added around the image.

    Returns
    -------
    padded : array (H + 2 pad, W + 2 pad)
    corners : list of (i, j)
        Top-left corner of each patch in ``padded``, row by row.
    rows : array (OH * OW, filter_h * filter_w)
        Each patch flattened row by row: what im2col makes of a one-channel image.
    """
    image = np.asarray(image)
    while image.ndim > 2 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 2:
        raise ValueError(f"image must be (H, W) (one channel of one image), got shape "
                         f"{np.shape(image)}")
    for name, value, least in (("filter_h", filter_h, 1), ("filter_w", filter_w, 1),
                               ("stride", stride, 1), ("pad", pad, 0)):
        if int(value) != value or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    padded = np.pad(image, pad)
    (hp, wp), corners = padded.shape, []
    for name, size, f in (("height", hp, filter_h), ("width", wp, filter_w)):
        if size < f or (size - f) % stride:
            raise ValueError(f"the filter does not fit evenly: padded {name} {size}, filter "
                             f"{f}, stride {stride} ((size - filter) must be a multiple of "
                             f"the stride)")
    for i in range(0, hp - filter_h + 1, stride):
        for j in range(0, wp - filter_w + 1, stride):
            corners.append((i, j))
    rows = np.array([padded[i:i + filter_h, j:j + filter_w].ravel() for i, j in corners])
    return padded, corners, rows


def _grid(ax, values, x0, y0, cell, muted=None, tints=None):
    """Draw ``values`` (rows of numbers) as numbered cells, top-left corner at (x0, y0).

    A row that is None is left empty (the gap of a matrix drawn in part); ``muted`` marks grey
    cells (padding), ``tints`` gives a row's background colour.
    """
    for r, row in enumerate(values):
        if row is None:
            continue
        for c, value in enumerate(row):
            grey = muted is not None and muted[r, c]
            face = "#eeeeee" if grey else (tints[r] if tints is not None and tints[r] else "white")
            ax.add_patch(Rectangle((x0 + c * cell, y0 - (r + 1) * cell), cell, cell,
                                   facecolor=face, edgecolor="#9e9e9e", lw=0.8, zorder=1))
            ax.text(x0 + (c + 0.5) * cell, y0 - (r + 0.5) * cell, format_value(value),
                    ha="center", va="center", fontsize=SMALL, zorder=3,
                    color=MUTED if grey else FORWARD)


def _outline(ax, x, y, w, h, k):
    """A rectangle outline in the colour and line style of patch ``k``."""
    ax.add_patch(Rectangle((x, y), w, h, fill=False, lw=2.6, zorder=4,
                           edgecolor=PATCH_COLORS[k], linestyle=PATCH_STYLES[k]))


def draw_im2col(image, filter_h, filter_w, stride=1, pad=0, lang="en", ax=None, max_rows=6):
    """Draw how im2col turns each patch of a small image into one row of a matrix.

    The (padded) image is drawn on top, a number in every cell (padding in grey); below it the
    matrix whose rows are the patches, each flattened row by row. The first three patches are
    outlined in the image and their rows in the matrix with the same colour and line style.

    Parameters
    ----------
    image : array (H, W)
        A small one-channel image (up to 8 × 8 once padded); its numbers are shown.
    filter_h, filter_w, stride, pad : int
        As in :func:`dlnotes.conv.im2col`.
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional
    max_rows : int
        A matrix with more rows shows its first ``max_rows - 1`` rows, a gap and its last row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    padded, corners, rows = im2col_patches(image, filter_h, filter_w, stride, pad)
    if max(padded.shape) > 8 or rows.shape[1] > 12:
        raise ValueError(f"too large to draw: a padded image of at most 8 × 8 and filters of "
                         f"at most 12 values, got {padded.shape} and {filter_h}×{filter_w}")
    n_rows, n_cols = rows.shape
    shown = list(range(n_rows)) if n_rows <= max_rows else [*range(max_rows - 1), None,
                                                               n_rows - 1]
    cell = 0.55
    with _words(lang) as words:
        ax = _canvas((-1, n_cols * cell + 1), (-(padded.shape[0] + len(shown)) * cell - 4, 1), ax)
        # the image, centred over the matrix
        x_img = (n_cols - padded.shape[1]) * cell / 2
        muted = np.ones(padded.shape, bool)
        muted[pad:padded.shape[0] - pad, pad:padded.shape[1] - pad] = False
        _grid(ax, padded, x_img, 0, cell, muted=muted)
        highlighted = range(min(3, n_rows))
        for k in highlighted:
            i, j = corners[k]
            inset = 0.05 * (k + 1)  # overlapping patches stay visible side by side
            _outline(ax, x_img + j * cell + inset, -(i + filter_h) * cell + inset,
                     filter_w * cell - 2 * inset, filter_h * cell - 2 * inset, k)
        h, w = np.shape(padded)[0] - 2 * pad, np.shape(padded)[1] - 2 * pad
        caption = (words["padded"].format(h=h, w=w, pad=pad) if pad else
                   words["image"].format(h=h, w=w))
        if stride != 1:
            caption += ", " + words["stride"].format(stride=stride)
        y = -padded.shape[0] * cell - 0.15
        ax.text(x_img + padded.shape[1] * cell / 2, y, caption, ha="center", va="top",
                fontsize=SMALL)
        # the arrow down to the matrix
        y -= 0.65
        _arrow(ax, (n_cols * cell / 2, y), (n_cols * cell / 2, y - 0.8))
        ax.text(n_cols * cell / 2 + 0.2, y - 0.4, words["patch_to_row"], ha="left",
                va="center", fontsize=SMALL)
        # the matrix: one row per patch
        top = y - 1.0
        values = [None if r is None else rows[r] for r in shown]
        tints = [PATCH_TINTS[r] if r is not None and r < 3 else None for r in shown]
        _grid(ax, values, 0, top, cell, tints=tints)
        for line, r in enumerate(shown):
            y_row = top - (line + 0.5) * cell
            if r is None:  # the rows left out
                ax.text(n_cols * cell / 2, y_row, "⋮", ha="center", va="center", fontsize=FONT)
                continue
            ax.text(-0.12, y_row, str(r + 1), ha="right", va="center", fontsize=SMALL,
                    color=PATCH_COLORS[r] if r < 3 else MUTED)
            if r < 3:
                _outline(ax, 0, top - (line + 1) * cell, n_cols * cell, cell, r)
        ax.text(n_cols * cell / 2, top - len(shown) * cell - 0.15,
                words["matrix"].format(rows=n_rows, cols=n_cols), ha="center", va="top",
                fontsize=SMALL)
        return _finish(ax, words["im2col_title"].format(fh=filter_h, fw=filter_w))


# ---- lesson 0: what deep learning is ------------------------------------------------------------

FIELD_TINTS = ("#e8eaf6", "#c5cae9", "#9fa8da")  # AI, ML, DL: darker inside; text stays black


def draw_ai_ml_dl(lang="en", ax=None):
    """Draw deep learning inside machine learning inside artificial intelligence.

    Each field is a rounded box holding its name and one concrete example; every box is sized
    from its own words and the box inside it, so the nesting holds in both languages.

    Parameters
    ----------
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    pad, gap = 0.3, 0.2  # inside a box's edge; between a name and its example
    with _words(lang) as words:
        ax = _canvas((-4, 4), (-3, 3), ax)
        fields = words["fields"]  # outermost first: (name, example)
        sizes = [(_text_size(ax, name, FONT), _text_size(ax, example, SMALL))
                 for name, example in fields]
        # sizes from the inside out: a box holds its words and, below them, the box inside it
        boxes, inner = [], (0, 0)
        for (nw, nh), (ew, eh) in reversed(sizes):
            w = max(nw, ew, inner[0]) + 2 * pad
            h = nh + gap + eh + (inner[1] + pad if inner[1] else 0) + 2 * pad
            boxes.insert(0, (w, h))
            inner = (w, h)
        top = boxes[0][1] / 2
        for k, ((name, example), (w, h), ((_, nh), (_, eh))) in enumerate(
                zip(fields, boxes, sizes)):
            ax.add_patch(FancyBboxPatch((-w / 2, top - h), w, h, boxstyle="round,pad=0.05",
                                        facecolor=FIELD_TINTS[k], edgecolor=FORWARD, lw=1.5,
                                        zorder=1 + k))
            y = top - pad
            ax.text(0, y, name, ha="center", va="top", fontsize=FONT, fontweight="bold",
                    zorder=5)
            ax.text(0, y - nh - gap, example, ha="center", va="top", fontsize=SMALL,
                    linespacing=1.3, zorder=5)
            top = y - nh - gap - eh - pad
        return _finish(ax, words["fields_title"])


def _neuron(ax, soma, left, right, r=0.42):
    """A stylised neuron: branching dendrites from ``left``, a cell body, an axon to ``right``."""
    sx, sy = soma
    color, lw = "#5d4037", 2.2
    for dy in (0.75, 0, -0.75):  # three dendrites, each forking once
        fork = (left + 0.75, sy + dy * 0.8)
        ax.plot([fork[0], sx - r * 0.8], [fork[1], sy + dy * 0.25], color=color, lw=lw,
                solid_capstyle="round", zorder=2)
        for ddy in (0.22, -0.22):
            ax.plot([left, fork[0]], [fork[1] + ddy, fork[1]], color=color, lw=lw - 0.6,
                    solid_capstyle="round", zorder=2)
    ax.add_patch(Circle(soma, r, facecolor="#ffe0b2", edgecolor=color, lw=2, zorder=3))
    ax.add_patch(Circle(soma, r * 0.35, facecolor="#8d6e63", edgecolor="none", zorder=4))
    end = right - 0.45
    ax.plot([sx + r, end], [sy, sy], color=color, lw=lw + 0.6, zorder=2)
    for k in range(3):  # myelin sheath segments along the axon
        x = sx + r + 0.25 + k * (end - sx - r - 0.3) / 3
        ax.add_patch(FancyBboxPatch((x, sy - 0.1), 0.45, 0.2, boxstyle="round,pad=0.02",
                                    facecolor="#fff3e0", edgecolor=color, lw=1.2, zorder=3))
    for dy in (0.3, 0, -0.3):  # axon terminals, each ending in a synapse
        ax.plot([end, right], [sy, sy + dy], color=color, lw=lw - 0.6, zorder=2)
        ax.add_patch(Circle((right, sy + dy), 0.07, facecolor=color, edgecolor="none", zorder=3))


def draw_neuron_and_perceptron(lang="en"):
    """Draw a biological neuron above the perceptron modelled on it, part above part.

    The dendrites sit above the perceptron's weighted inputs, the cell body above the sum and
    the step, the axon above the output: what lies in one column plays one role.

    Parameters
    ----------
    lang : {"en", "ko"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    with _words(lang) as words:
        ax = _canvas((-0.5, 5.7), (-1.4, 6), None)
        soma_y = 4.6
        _neuron(ax, (2.6, soma_y), left=-0.3, right=5.4)
        for x, label in zip((0.2, 2.6, 4.6), words["neuron_parts"]):
            ax.text(x, soma_y - 1.05, label, ha="center", va="top", fontsize=SMALL,
                    linespacing=1.3)
        ax.text(-0.45, soma_y + 1.05, words["neuron"], ha="left", va="bottom", fontsize=FONT,
                fontweight="bold")
        ax.text(-0.45, 2.45, words["perceptron"], ha="left", va="bottom", fontsize=FONT,
                fontweight="bold")
        draw_perceptron(lang=lang, ax=ax)
        ax._dlnotes_fit = True  # draw_perceptron set its limits; size the figure to all of it
        return _finish(ax, words["neuron_title"])


def _seven(ax, x, y, size, lw=2.4):
    """A handwritten-looking 7 in a ``size`` square whose centre is (x, y)."""
    h = size * 0.32
    ax.plot([x - h, x + h, x - h * 0.2], [y + h, y + h, y - h * 1.1], color=FORWARD, lw=lw,
            solid_capstyle="round", solid_joinstyle="round", zorder=4)


def _stroke_tiles(ax, kind, x0, y, tile):
    """Small tiles of what a stage responds to: edges, parts (arcs, loops) or whole digits."""
    def tile_box(k):
        cx = x0 + (k + 0.5) * tile
        ax.add_patch(Rectangle((cx - tile * 0.42, y - tile * 0.42), tile * 0.84, tile * 0.84,
                               facecolor="white", edgecolor="#9e9e9e", lw=0.8, zorder=3))
        return cx

    s = tile * 0.28
    style = dict(color=FORWARD, lw=2.2, solid_capstyle="round", zorder=4)
    if kind == "edges":  # four orientations
        for k, angle in enumerate((0, 45, 90, 135)):
            cx = tile_box(k)
            dx, dy = s * np.cos(np.radians(angle)), s * np.sin(np.radians(angle))
            ax.plot([cx - dx, cx + dx], [y - dy, y + dy], **style)
    elif kind == "parts":  # a loop, an arc, a corner, a bar
        cx = tile_box(0)
        ax.add_patch(Ellipse((cx, y), 1.6 * s, 1.9 * s, fill=False, ec=FORWARD, lw=2.2, zorder=4))
        cx = tile_box(1)
        ax.add_patch(Arc((cx, y - 0.3 * s), 1.8 * s, 1.8 * s, theta1=0, theta2=180,
                         ec=FORWARD, lw=2.2, zorder=4))
        cx = tile_box(2)
        ax.plot([cx - s, cx + s, cx + 0.5 * s], [y + 0.4 * s, y + 0.4 * s, y - 0.6 * s], **style)
        cx = tile_box(3)
        ax.plot([cx, cx], [y - s, y + s], **style)
    else:  # digits made of those parts: 0 (a loop), 7 (a corner), 9 (a loop and a bar)
        cx = tile_box(0)
        ax.add_patch(Ellipse((cx, y), 1.3 * s, 2.0 * s, fill=False, ec=FORWARD, lw=2.2, zorder=4))
        cx = tile_box(1)
        _seven(ax, cx, y, tile * 0.9, lw=2.2)
        cx = tile_box(2)
        ax.add_patch(Ellipse((cx - 0.05 * s, y + 0.45 * s), 1.2 * s, 1.0 * s, fill=False,
                             ec=FORWARD, lw=2.2, zorder=4))
        ax.plot([cx + 0.55 * s, cx + 0.4 * s], [y + 0.45 * s, y - 1.1 * s], **style)


def draw_learned_features(lang="en", ax=None):
    """Draw hand-made features beside learned ones: edges, then parts, then whole digits.

    On the left, a person decides what to measure in the image and only the classifier at the
    end learns; on the right, every layer learns, each from the one before: edges, parts built
    from edges, digits built from parts. Both read the same 7.

    Parameters
    ----------
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    tile, col_w, step = 0.72, 3.3, 2.0  # tile size, column width, distance between stages
    with _words(lang) as words:
        ax = _canvas((-0.2, 2 * col_w + 0.6), (-8, 1), ax)
        centres = (col_w / 2, col_w * 1.5 + 0.4)
        for cx, head in zip(centres, words["feature_heads"]):
            ax.text(cx, 0.6, head, ha="center", va="bottom", fontsize=FONT, fontweight="bold")
        ys = [-step * k for k in range(4)]  # image, three stages; the answer below them
        for cx in centres:  # the same image on both sides
            ax.add_patch(Rectangle((cx - 0.45, ys[0] - 0.45), 0.9, 0.9, facecolor="white",
                                   edgecolor=FORWARD, lw=1.5, zorder=2))
            _seven(ax, cx, ys[0], 0.9)
        h = 1.45  # a stage's box
        columns = (
            # left: a person's features stand where the first two layers are; the classifier
            # at the end is the only part that learns
            [((ys[1] + ys[2]) / 2, step + h, label, None)
             for label in words["handmade_stages"][:1]]
            + [(ys[3], h, words["handmade_stages"][1], None)],
            # right: three learned layers, each drawn with what it responds to
            [(ys[k], h, label, kind) for k, (label, kind) in enumerate(
                zip(words["learned_stages"], ("edges", "parts", "digits")), start=1)],
        )
        w = col_w - 0.2
        for cx, boxes in zip(centres, columns):
            bottom = ys[0] - 0.45  # of the image
            for y, bh, label, kind in boxes:
                _arrow(ax, (cx, bottom - 0.08), (cx, y + bh / 2 + 0.1))
                ax.add_patch(FancyBboxPatch((cx - w / 2, y - bh / 2), w, bh,
                                            boxstyle="round,pad=0.05", edgecolor=FORWARD,
                                            facecolor="#f3f3f3" if kind is None else "white",
                                            lw=1.5, zorder=2))
                if kind is None:
                    ax.text(cx, y, label, ha="center", va="center", fontsize=SMALL,
                            linespacing=1.3, zorder=5)
                else:
                    ax.text(cx, y + bh / 2 - 0.08, label, ha="center", va="top",
                            fontsize=SMALL, zorder=5)
                    n = 3 if kind == "digits" else 4
                    _stroke_tiles(ax, kind, cx - n * tile / 2, y - 0.22, tile)
                bottom = y - bh / 2
            _arrow(ax, (cx, bottom - 0.08), (cx, bottom - 0.7))
            ax.text(cx, bottom - 0.8, words["answer"], ha="center", va="top", fontsize=FONT)
        return _finish(ax, words["features_title"])


def weight_mosaic(W, n=12, cols=6, gap=2):
    """Columns 0..n-1 of a first-layer weight matrix as 28×28 tiles, in one array.

    Parameters
    ----------
    W : array (784, M)
        First-layer weights of an MNIST network: column k holds neuron k's weight for each
        pixel, in the order of the flattened image (row by row).
    n, cols : int
        How many neurons to show (the first n), and how many tiles per row.
    gap : int
        Pixels of NaN between tiles (drawn as background).

    Returns
    -------
    array (rows * (28 + gap) - gap, cols * (28 + gap) - gap)
        Tile k sits in row ``k // cols``, column ``k % cols``; NaN between and after tiles.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != 784:
        raise ValueError(f"W must be (784, M): one column of 784 pixel weights per neuron, "
                         f"got shape {W.shape}")
    for name, value in (("n", n), ("cols", cols)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if n > W.shape[1]:
        raise ValueError(f"n = {n}, but W has only {W.shape[1]} neurons (columns)")
    rows = -(-n // cols)
    size = 28 + gap
    mosaic = np.full((rows * size - gap, cols * size - gap), np.nan)
    for k in range(n):
        r, c = divmod(k, cols)
        mosaic[r * size:r * size + 28, c * size:c * size + 28] = W[:, k].reshape(28, 28)
    return mosaic


def draw_weight_images(W, n=12, cols=6, lang="en", ax=None):
    """Draw the first ``n`` neurons' weights of an MNIST network's first layer as images.

    One 28×28 tile per neuron: red where ink in that pixel raises the neuron's weighted sum,
    blue where it lowers it, white for weights near 0, on one colour scale for all tiles,
    symmetric about 0 and full at the 99th percentile of the shown weights' sizes (a few
    large weights would otherwise leave the rest pale). The tiles come from
    :func:`weight_mosaic`.

    Parameters
    ----------
    W : array (784, M)
    n, cols : int
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    mosaic = weight_mosaic(W, n, cols)
    limit = float(np.nanpercentile(np.abs(mosaic), 99)) or 1.0
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
    with _words(lang) as words:
        if ax is None:
            width = 5.2
            height = width * mosaic.shape[0] / mosaic.shape[1] + 1.1
            fig = plt.figure(figsize=(width, height), layout="constrained")
            ax = fig.add_subplot()
        ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(words["weights_key"], fontsize=SMALL, linespacing=1.3)
        ax.set_title(words["weights_title"].format(n=n, total=np.shape(W)[1]), fontsize=TITLE)
        return ax.figure


TIMELINE_KINDS = {  # kind: (marker, colour); the shapes differ, not only the colours
    "data": ("s", "#1565c0"),
    "hardware": ("^", "#e65100"),
    "algorithm": ("o", "#2e7d32"),
    "result": ("*", "#6a1b9a"),
}


def draw_timeline(events, lang="en", ax=None):
    """Draw dated events top to bottom, each marked by its kind: data, hardware, algorithm or a
    result that came from them.

    Parameters
    ----------
    events : list of (year, kind, text)
        ``kind`` is one of "data", "hardware", "algorithm", "result"; ``text`` may hold line
        breaks. Drawn in order of year (events of one year in the given order).
    lang : {"en", "ko"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    events = list(events)
    if not events:
        raise ValueError("events is empty: give (year, kind, text) triples")
    for year, kind, text in events:
        if kind not in TIMELINE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, TIMELINE_KINDS))}, "
                             f"got {kind!r} (for {year})")
        if int(year) != year:
            raise ValueError(f"year must be an integer, got {year!r}")
    events = sorted(events, key=lambda e: e[0])
    with _words(lang) as words:
        ax = _canvas((-0.2, 7), (-len(events) - 2, 1), ax)
        heights = [max(_text_size(ax, text, SMALL)[1], 0.45) + 0.3 for _, _, text in events]
        y, x_line = 0.0, 1.15
        centres = []
        for (year, kind, text), h in zip(events, heights):
            centres.append(y - h / 2)
            y -= h
        ax.plot([x_line, x_line], [centres[0], centres[-1]], color=MUTED, lw=1.5, zorder=1)
        for (year, kind, text), yc in zip(events, centres):
            marker, color = TIMELINE_KINDS[kind]
            ax.text(0, yc, str(int(year)), ha="left", va="center", fontsize=SMALL,
                    fontweight="bold")
            ax.plot([x_line], [yc], marker=marker, markersize=16 if marker == "*" else 12,
                    color=color, markeredgecolor=FORWARD, zorder=3, linestyle="none")
            ax.text(x_line + 0.35, yc, text, ha="left", va="center", fontsize=SMALL,
                    linespacing=1.3)
        # the key: which shape is which kind, in two rows
        y = y - 0.45
        for k, kind in enumerate(TIMELINE_KINDS):
            marker, color = TIMELINE_KINDS[kind]
            x, yk = 0.1 + 3.2 * (k % 2), y - 0.55 * (k // 2)
            ax.plot([x + 0.15], [yk], marker=marker, markersize=15 if marker == "*" else 11,
                    color=color, markeredgecolor=FORWARD, linestyle="none")
            ax.text(x + 0.45, yk, words["kinds"][kind], ha="left", va="center",
                    fontsize=SMALL)
        return _finish(ax, words["timeline_title"])
