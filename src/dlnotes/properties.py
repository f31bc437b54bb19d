"""The properties the lessons claim, written once: the package's tests and ``check`` share them.

A property is a function of the implementation under test that returns a Hypothesis test, e.g.
``softmax_sums_to_one(softmax)``; calling that test with no arguments runs it on generated
inputs and raises on the first counterexample (after shrinking it). ``tests/`` runs each
property on dlnotes' own functions; :func:`dlnotes.exercises.check` runs the same properties on
a learner's function and reports, in Korean or English, what failed and where the lesson
explains it. :data:`PROPERTIES` lists them by the name ``check`` takes, each with an id, a
description and a hint in both languages, and the lesson section the hint points to.

This module needs Hypothesis (``pip install -e ".[learn]"``); ``import dlnotes`` does not
import it.
"""

from dataclasses import dataclass, field
from typing import Callable

try:
    import hypothesis  # noqa: F401
except ImportError as err:  # the package's runtime needs no Hypothesis; this module does
    raise ImportError(
        'dlnotes.properties and dlnotes.exercises.check need Hypothesis: install the lessons\' '
        'extras with  pip install -e ".[learn]"  (see the setup page, docs/setup.en.md#install)'
    ) from err

# --8<-- [start:strategies]
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def float_arrays(max_magnitude=1e300, dtypes=(np.float64, np.float32)):
    """Vectors (n,) and batches (N, n) of finite float64/float32 numbers,
    up to max_magnitude in size."""

    def arrays_of(dtype):
        bound = min(max_magnitude, float(np.finfo(dtype).max))
        width = np.finfo(dtype).bits
        return hnp.arrays(
            dtype,
            shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=8),
            elements=st.floats(-bound, bound, allow_nan=False, width=width),
        )

    return st.sampled_from(dtypes).flatmap(arrays_of)
# --8<-- [end:strategies]


class Message(str):
    """An assertion message: English as a string (what pytest shows), Korean in ``.ko``."""

    def __new__(cls, en, ko, **values):
        values = {key: _brief(value) for key, value in values.items()}
        text = super().__new__(cls, en.format(**values))
        text.ko = ko.format(**values)
        return text


def _brief(value):
    """Numbers with 6 significant digits, so messages stay short and the same on every run."""
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
        return text if any(c in text for c in ".enai") else text + ".0"  # 0.0, not 0
    if isinstance(value, np.ndarray):
        return _brief(value.tolist())
    if isinstance(value, list):
        return "[" + ", ".join(_brief(v) for v in value) + "]"
    return value


def says(en, ko, **values):
    """Return a :class:`Message`: ``assert ok, says("...", "...")`` in both languages."""
    return Message(en, ko, **values)


def shape_of(value):
    """The shape of an array-like result, or None for something that is not one."""
    try:
        return np.shape(value)
    except (TypeError, ValueError):
        return None


def relative_error(a, b, floor=1e-3):
    """||a - b|| / (||a|| + ||b||): 0 when equal, 1 when unrelated (the usual gradient-check score).

    The denominator is at least ``floor``: where the true gradient is exactly 0 (e.g. every ReLU
    dead and the output bias balanced), the numerical one is rounding noise of about 1e-10, and
    dividing noise by noise would call two agreeing gradients unrelated (with a bound of 1e-6
    this allows an absolute difference of 1e-9 there, and is no looser for real gradients).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


# ---- elementwise functions and softmax: what every one of them keeps -------------------------

def keeps_shape_and_dtype(f, max_magnitude=10.0):
    """f(x) has the shape and float dtype of x (float32 stays float32)."""

    @given(float_arrays(max_magnitude))
    def test_keeps_shape_and_dtype(x):
        y = f(x)
        assert shape_of(y) == x.shape, says(
            "the result has shape {got}, x has shape {want}",
            "결과의 모양은 {got}, x의 모양은 {want}입니다",
            got=shape_of(y), want=x.shape)
        dtype = getattr(y, "dtype", None)
        assert dtype == x.dtype, says(
            "the result has dtype {got}, x has dtype {want}",
            "결과의 dtype은 {got}, x의 dtype은 {want}입니다",
            got=dtype if dtype is not None else type(y).__name__, want=x.dtype)

    return test_keeps_shape_and_dtype


def leaves_input_unchanged(f):
    """f(x) does not write into x."""

    @given(float_arrays(max_magnitude=1e3))
    def test_leaves_input_unchanged(x):
        before = x.copy()
        f(x)
        assert np.array_equal(x, before), says(
            "x was changed to {x}", "x가 바뀌었습니다: {x}", x=np.round(x, 4).tolist())

    return test_leaves_input_unchanged


# --8<-- [start:step_sigmoid_relu_properties]
def step_function_values(step_function):
    @given(float_arrays())
    def test_step_function_is_0_or_1_and_matches_the_sign(x):
        assert np.array_equal(step_function(x), (x > 0).astype(x.dtype))

    return test_step_function_is_0_or_1_and_matches_the_sign


def sigmoid_in_0_1_and_symmetric(sigmoid, max_magnitude=1e300):
    @given(float_arrays(max_magnitude))
    def test_sigmoid_is_symmetric_and_in_0_1(x):
        y = sigmoid(x)  # no overflow warning, even for |x| up to 1e300
        assert np.all((0 <= y) & (y <= 1))
        assert np.allclose(sigmoid(-x), 1 - y, rtol=0, atol=2 * np.finfo(x.dtype).eps)

    return test_sigmoid_is_symmetric_and_in_0_1


def sigmoid_no_overflow(sigmoid):
    @given(float_arrays())
    def test_sigmoid_does_not_overflow(x):
        y = sigmoid(x)  # where warnings are errors: no overflow warning either
        assert np.all((0 <= y) & (y <= 1)), says(
            "the result is not in [0, 1]: {y}", "결과가 [0, 1]을 벗어납니다: {y}", y=y)

    return test_sigmoid_does_not_overflow


def sigmoid_matches_formula(sigmoid):
    @given(float_arrays(max_magnitude=30, dtypes=(np.float64,)))
    def test_sigmoid_matches_the_textbook_formula_where_it_cannot_overflow(x):
        np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)

    return test_sigmoid_matches_the_textbook_formula_where_it_cannot_overflow


def relu_values(relu):
    @given(float_arrays())
    def test_relu_is_idempotent_and_nonnegative(x):
        y = relu(x)
        assert np.array_equal(relu(y), y)
        assert np.all(y >= 0)
        assert np.array_equal(y, np.where(x > 0, x, 0))

    return test_relu_is_idempotent_and_nonnegative
# --8<-- [end:step_sigmoid_relu_properties]


# ---- softmax: the properties lesson 3 shows ---------------------------------------------------

# --8<-- [start:softmax_properties]
def softmax_sums_to_one(softmax, max_magnitude=1e300):
    @given(float_arrays(max_magnitude))
    def test_softmax_sums_to_one_and_lies_in_0_1(x):
        y = softmax(x)  # along the last axis: each row of a batch
        n = x.shape[-1]
        assert np.all(np.isfinite(y))  # no overflow, even for |x| up to 1e300
        assert np.all((0 <= y) & (y <= 1))
        tol = 4 * n * np.finfo(x.dtype).eps  # n roundings in the sum
        assert np.allclose(y.sum(axis=-1), 1, rtol=0, atol=tol)

    return test_softmax_sums_to_one_and_lies_in_0_1


def softmax_preserves_order(softmax, max_magnitude=1e300):
    @given(float_arrays(max_magnitude))
    def test_softmax_preserves_order(x):
        y = softmax(x)
        bigger = x[..., :, None] > x[..., None, :]  # every pair (i, j) in each row
        assert np.all(y[..., :, None] >= y[..., None, :], where=bigger)

    return test_softmax_preserves_order


def multiples_of_one_eighth(max_abs=8192):
    """Multiples of 1/8 up to max_abs: their sums are exact in float32 and float64."""
    return st.integers(-8 * max_abs, 8 * max_abs).map(lambda k: k / 8)


def softmax_is_shift_invariant(softmax, max_abs=8192, max_side=8):
    def arrays_of(dtype):
        shape = hnp.array_shapes(min_dims=1, max_dims=2, max_side=max_side)
        return hnp.arrays(dtype, shape, elements=multiples_of_one_eighth(max_abs))

    @given(st.sampled_from([np.float64, np.float32]).flatmap(arrays_of),
           multiples_of_one_eighth(max_abs))
    def test_softmax_is_shift_invariant(x, c):
        # x + c is exact in float32 and float64, so the claim is exact: the max
        # shift turns x + c and x into the same numbers before exp.
        c = x.dtype.type(c)
        assert np.array_equal(softmax(x + c), softmax(x))

    return test_softmax_is_shift_invariant


def softmax_exp_of_log_softmax(softmax, log_softmax):
    @given(float_arrays())
    def test_exp_of_log_softmax_is_softmax(x):
        eps, tiny = np.finfo(x.dtype).eps, np.finfo(x.dtype).tiny
        y = softmax(x)
        assert np.allclose(np.exp(log_softmax(x)), y, rtol=1000 * eps, atol=tiny)

    return test_exp_of_log_softmax_is_softmax
# --8<-- [end:softmax_properties]


def softmax_no_overflow(softmax):
    """Finite outputs for scores up to 1e300 (and, where warnings are errors, no warning)."""

    @given(float_arrays())
    def test_softmax_does_not_overflow(x):
        y = softmax(x)
        assert np.all(np.isfinite(y)), says(
            "the result is not finite: {y}", "결과에 유한하지 않은 값이 있습니다: {y}", y=y)

    return test_softmax_does_not_overflow


# ---- losses -------------------------------------------------------------------------------------

TINY = {np.dtype(np.float32): float(np.finfo(np.float32).tiny),
        np.dtype(np.float64): float(np.finfo(np.float64).tiny)}


@st.composite
def probabilities_and_labels(draw, min_dims=1, dtypes=(np.float64, np.float32)):
    """(y, t): probabilities y of shape (n,) or (N, n) and class indices t of shape () or (N,).

    y is one of: the softmax of random scores (scores up to 1000 apart, so some probabilities
    are exactly 0 and some exactly 1), normalized non-negative numbers (zeros included), or a
    one-hot vector, which matches the label half of the time.
    """
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=2, min_side=1, max_side=8))
    n = shape[-1]
    t = draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, n - 1)))
    kind = draw(st.sampled_from(["one_hot", "normalized", "softmax"]))
    if kind == "softmax":
        width = 32 if dtype == np.float32 else 64
        scores = draw(hnp.arrays(dtype, shape, elements=st.floats(-1000, 1000, width=width)))
        shifted = scores - scores.max(axis=-1, keepdims=True)  # no dlnotes code in a reference
        e = np.exp(shifted)
        y = e / e.sum(axis=-1, keepdims=True)
    elif kind == "normalized":
        w = draw(hnp.arrays(np.float64, shape, elements=st.floats(0, 1e6))).astype(dtype)
        w[np.sum(w, axis=-1) == 0] = 1  # an all-zero row becomes uniform
        y = w / np.sum(w, axis=-1, keepdims=True)  # each entry <= 1: the sum is at least it
    else:
        hit = draw(st.booleans())
        k = t if not hit else draw(hnp.arrays(np.int64, shape[:-1], elements=st.integers(0, n - 1)))
        y = (np.arange(n) == np.asarray(k)[..., None]).astype(dtype)
    return y, t


def one_hot(t, n, dtype):
    """One-hot labels by comparison with arange (not the np.eye indexing the package uses)."""
    return (np.arange(n) == np.asarray(t)[..., None]).astype(dtype)


def ce_reference(y, t, tiny):
    """Mean over samples of -log(max(y_t, tiny)), with math.log on Python floats."""
    import math

    losses = [-math.log(max(float(yi[ti]), tiny))
              for yi, ti in zip(np.atleast_2d(y), np.atleast_1d(t).tolist())]
    return math.fsum(losses) / len(losses)


def with_one_hot_labels(yt):
    """(y, t) with class indices t -> (y, one-hot t of y's shape and dtype)."""
    y, t = yt
    return y, one_hot(t, y.shape[-1], y.dtype)


def cross_entropy_is_minus_log_p(cross_entropy_error):
    @given(probabilities_and_labels().map(with_one_hot_labels))
    def test_cross_entropy_is_minus_log_of_the_true_class_probability(yt):
        y, t = yt
        expected = ce_reference(y, np.argmax(t, axis=-1), TINY[y.dtype])
        loss = cross_entropy_error(y, t)
        rtol, atol = (1e-5, 1e-7) if y.dtype == np.float32 else (1e-12, 1e-15)
        assert np.isclose(loss, expected, rtol=rtol, atol=atol), says(
            "the loss is {got}, -log(p) of the true class is {want}",
            "손실이 {got}입니다. 정답 클래스 확률의 -log(p)는 {want}입니다",
            got=loss, want=expected)

    return test_cross_entropy_is_minus_log_of_the_true_class_probability


def cross_entropy_is_finite_and_nonnegative(cross_entropy_error):
    @given(probabilities_and_labels().map(with_one_hot_labels))
    def test_cross_entropy_is_nonnegative_finite_and_zero_only_for_a_perfect_prediction(yt):
        y, t = yt
        loss = cross_entropy_error(y, t)
        p_true = np.sum(y * t, axis=-1)  # t is one-hot: the true class's probability
        assert np.isfinite(loss), says(  # even where the true class has probability exactly 0
            "the loss is {loss}", "손실이 {loss}입니다", loss=loss)
        assert loss >= 0, says("the loss is negative: {loss}", "손실이 음수입니다: {loss}", loss=loss)
        # "perfect" in floating point: every sample gives its true class a probability of exactly 1
        perfect = bool(np.all(p_true == 1))
        assert (loss == 0) == perfect, says(
            "the loss is {loss}, but it must be 0 exactly when the true class has probability 1",
            "손실이 {loss}입니다. 손실은 정답 클래스의 확률이 1일 때, 그리고 그때만 정확히 0이어야 합니다",
            loss=loss)

    return test_cross_entropy_is_nonnegative_finite_and_zero_only_for_a_perfect_prediction


def positive_probabilities_and_labels():
    """(y, t) as probabilities_and_labels gives them, with every probability > 0."""
    return probabilities_and_labels().filter(lambda yt: bool(np.all(yt[0] > 0)))


def accepts_index_labels(loss, positive=False):
    @given(positive_probabilities_and_labels() if positive else probabilities_and_labels())
    def test_one_hot_and_index_labels_give_the_same_loss(yt):
        y, t = yt
        with_one_hot = loss(y, one_hot(t, y.shape[-1], y.dtype))
        with_index = loss(y, t)
        assert with_index == with_one_hot, says(
            "class indices t = {t} give {a}, one-hot labels give {b}",
            "클래스 번호 t = {t}일 때 {a}, 원-핫 레이블일 때 {b}입니다",
            t=np.asarray(t).tolist(), a=with_index, b=with_one_hot)
        assert loss(y, t.tolist()) == with_index  # Python ints work as indices too

    return test_one_hot_and_index_labels_give_the_same_loss


# ---- numerical_gradient ---------------------------------------------------------------------

def weighted_squares(x):
    """f(x) = sum_i (i + 1) x_i**2 over the flattened x; its gradient is 2 (i + 1) x_i."""
    return float(np.sum(np.arange(1, x.size + 1).reshape(x.shape) * x**2))


def weighted_squares_gradient(x):
    return 2 * np.arange(1, x.size + 1).reshape(x.shape) * x


def gradient_points():
    """float64 points (n,) or (N, n), |x| <= 10."""
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                      elements=st.floats(-10, 10))


def numerical_gradient_is_accurate(numerical_gradient):
    @given(gradient_points())
    def test_numerical_gradient_matches_the_exact_gradient(x):
        grad = numerical_gradient(weighted_squares, x.copy())
        exact = weighted_squares_gradient(x)
        assert shape_of(grad) == x.shape, says(
            "the gradient has shape {got}, x has shape {want}",
            "기울기의 모양은 {got}, x의 모양은 {want}입니다",
            got=shape_of(grad), want=x.shape)
        # central differences are exact for squares, up to rounding (< 1e-7 here); a forward
        # difference is off by (i + 1) * h >= 1e-4
        assert np.allclose(grad, exact, rtol=1e-6, atol=1e-6), says(
            "for f(x) = sum((i+1) x_i^2) it gives {got}, the exact gradient is {want}",
            "f(x) = sum((i+1) x_i^2)에 대한 결과는 {got}, 정확한 기울기는 {want}입니다",
            got=np.round(grad, 6).tolist(), want=exact.tolist())

    return test_numerical_gradient_matches_the_exact_gradient


def numerical_gradient_restores_x(numerical_gradient):
    @given(gradient_points())
    def test_numerical_gradient_leaves_x_unchanged(x):
        before = x.copy()
        numerical_gradient(weighted_squares, x)
        assert np.array_equal(x, before), says(
            "x was {before} before the call and {after} after it",
            "x가 호출 전에는 {before}, 호출 후에는 {after}입니다",
            before=repr(before.tolist()), after=repr(x.tolist()))  # every digit

    return test_numerical_gradient_leaves_x_unchanged


def numerical_gradient_nudges_x_itself(numerical_gradient):
    @given(gradient_points())
    def test_numerical_gradient_works_when_f_reads_x_itself(x):
        def loss_reading_x(_):
            return weighted_squares(x)  # reads x itself, as net.loss reads the weights

        exact = weighted_squares_gradient(x)
        grad = numerical_gradient(loss_reading_x, x)
        assert np.allclose(grad, exact, rtol=1e-6, atol=1e-6), says(
            "when f ignores its argument and reads x, it gives {got}, not {want}",
            "f가 인수 대신 x를 직접 읽을 때 결과는 {got}, 정확한 기울기는 {want}입니다",
            got=np.round(np.asarray(grad, dtype=float), 6).tolist(), want=exact.tolist())

    return test_numerical_gradient_works_when_f_reads_x_itself


# ---- layers ---------------------------------------------------------------------------------

def layer_values(max_abs=10.0):
    return st.floats(-max_abs, max_abs)


@st.composite
def affine_inputs(draw, images=False):
    """{"x", "W", "b", "dout"}: float64 x (N, n_in) (or (N, C, H, W)), W, b and dL/dy."""
    n, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x_shape = ((n,) + tuple(draw(st.lists(st.integers(1, 2), min_size=3, max_size=3)))
               if images else (n, draw(st.integers(1, 5))))
    n_in = int(np.prod(x_shape[1:]))
    arrays = {"x": x_shape, "W": (n_in, n_out), "b": (n_out,), "dout": (n, n_out)}
    return {name: draw(hnp.arrays(np.float64, shape, elements=layer_values()))
            for name, shape in arrays.items()}


def affine_reference(x, W, b):
    """y_nj = sum_i x_ni W_ij + b_j, with einsum on the flattened x."""
    return np.einsum("ni,ij->nj", x.reshape(len(x), -1), W) + b


def affine_forward(Affine):
    @given(affine_inputs())
    def test_affine_forward(args):
        x, W, b = args["x"], args["W"], args["b"]
        y = Affine(W.copy(), b.copy()).forward(x.copy())
        want = affine_reference(x, W, b)
        assert shape_of(y) == want.shape, says(
            "forward gives shape {got}, expected {want}",
            "forward 결과의 모양은 {got}, 기대한 모양은 {want}입니다",
            got=shape_of(y), want=want.shape)
        assert np.allclose(y, want, rtol=1e-12, atol=1e-12), says(
            "forward gives {got}, x @ W + b is {want}", "forward 결과는 {got}, x @ W + b는 {want}입니다",
            got=np.round(y, 4).tolist(), want=np.round(want, 4).tolist())

    return test_affine_forward


def affine_gradient(Affine, which, images=False):
    """backward's gradient ``which`` ("dx", "dW" or "db") equals the numerical gradient of
    L = sum(dout * (x W + b)), computed from the formula, not from the layer."""
    from dlnotes.gradient import numerical_gradient  # the reference: central differences

    @given(affine_inputs(images=images))
    def test_affine_backward(args):
        x, W, b, dout = args["x"], args["W"], args["b"], args["dout"]
        layer = Affine(W.copy(), b.copy())
        layer.forward(x.copy())
        dx = layer.backward(dout.copy())
        got = dx if which == "dx" else getattr(layer, which)  # AttributeError names it
        value = {"dx": x, "dW": W, "db": b}[which]
        arrays = {"x": x, "W": W, "b": b}
        name = which[1:]

        def loss(v):
            return np.sum(affine_reference(**{**arrays, name: v}) * dout)

        h, bound = 1e-5, 1e-6
        want = numerical_gradient(loss, value.copy(), h=h)
        assert got is not None, says(
            "after backward, {which} is None", "backward 뒤에도 {which}가 None입니다", which=which)
        assert shape_of(got) == value.shape, says(
            "{which} has shape {got}, {name} has shape {want}",
            "{which}의 모양은 {got}, {name}의 모양은 {want}입니다",
            which=which, name=name, got=shape_of(got), want=value.shape)
        # Central differences lose about eps * (the sum of |L|'s terms) / h to rounding in each
        # component: where the gradient itself is about that small (x near 0, say), that is the
        # scale to compare with, not the gradient's own size.
        terms = np.sum(np.abs(affine_reference(x, W, b) * dout))
        noise = 10 * np.finfo(np.float64).eps * terms / h * np.sqrt(value.size)
        assert relative_error(got, want, floor=max(1e-3, noise / bound)) < bound, says(
            "{which} is {got}, the numerical gradient is {want}",
            "{which}는 {got}, 수치 미분으로 구한 기울기는 {want}입니다",
            which=which, got=np.round(got, 4).tolist(), want=np.round(want, 4).tolist())

    test_affine_backward.__name__ = f"test_affine_backward_{which}"
    return test_affine_backward


@st.composite
def scores_and_labels(draw, max_abs=10.0):
    """{"x", "t"}: float64 scores (N, C) and labels, one-hot (N, C) or class indices (N,)."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    x = draw(hnp.arrays(np.float64, (n, c), elements=layer_values(max_abs)))
    t = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    indices = draw(st.booleans())  # one-hot first: shrinking prefers it
    return {"x": x, "t": t if indices else one_hot(t, c, np.float64)}


def softmax_with_loss_reference(x, t):
    """Mean over the batch of -log softmax(x)[true class], by log-sum-exp on Python floats."""
    import math

    labels = t if t.ndim == 1 else np.argmax(t, axis=1)
    losses = []
    for row, k in zip(x.tolist(), labels.tolist()):
        m = max(row)
        losses.append(m + math.log(math.fsum(math.exp(v - m) for v in row)) - row[k])
    return math.fsum(losses) / len(losses)


def softmax_with_loss_forward(SoftmaxWithLoss):
    @given(scores_and_labels())
    def test_softmax_with_loss_forward_is_cross_entropy_of_softmax(args):
        x, t = args["x"], args["t"]
        loss = SoftmaxWithLoss().forward(x.copy(), t.copy())
        want = softmax_with_loss_reference(x, t)
        assert np.ndim(loss) == 0, says(
            "forward returns shape {got}, not one number",
            "forward의 결과가 숫자 하나가 아니라 모양이 {got}인 배열입니다",
            got=shape_of(loss))
        assert np.isclose(loss, want, rtol=1e-10, atol=1e-12), says(
            "forward gives {got}, the cross-entropy of softmax(x) is {want}",
            "forward 결과는 {got}, softmax(x)의 교차 엔트로피 오차는 {want}입니다",
            got=loss, want=want)

    return test_softmax_with_loss_forward_is_cross_entropy_of_softmax


def softmax_with_loss_backward(SoftmaxWithLoss):
    from dlnotes.gradient import numerical_gradient

    @given(scores_and_labels(max_abs=5.0))
    def test_softmax_with_loss_backward(args):
        x, t = args["x"], args["t"]
        layer = SoftmaxWithLoss()
        layer.forward(x.copy(), t.copy())
        got = layer.backward()
        want = numerical_gradient(lambda v: softmax_with_loss_reference(v, t), x.copy(), h=1e-5)
        assert shape_of(got) == x.shape, says(
            "backward gives shape {got}, x has shape {want}",
            "backward 결과의 모양은 {got}, x의 모양은 {want}입니다",
            got=shape_of(got), want=x.shape)
        assert relative_error(got, want) < 1e-6, says(
            "backward gives {got}, the numerical gradient is {want}",
            "backward 결과는 {got}, 수치 미분으로 구한 기울기는 {want}입니다",
            got=np.round(got, 4).tolist(), want=np.round(want, 4).tolist())

    return test_softmax_with_loss_backward


# ---- im2col -------------------------------------------------------------------------------

@st.composite
def geometries(draw, max_filter=4):
    """(N, C, H, W), (FH, FW), stride, pad for which the filter fits a whole number of times."""
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    fh, fw = draw(st.integers(1, max_filter)), draw(st.integers(1, max_filter))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    out_h, out_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # invert the output-size formula: H = (OH - 1) * S + FH - 2P
    H, W = (out_h - 1) * stride + fh - 2 * pad, (out_w - 1) * stride + fw - 2 * pad
    hypothesis.assume(H >= 1 and W >= 1)
    return (N, C, H, W), (fh, fw), stride, pad


@st.composite
def im2col_inputs(draw, dtypes=(np.float64,)):
    """{"x", "filter_h", "filter_w", "stride", "pad"}; x holds 0, 1, 2, ... in order, so a
    misplaced value shows where it came from."""
    shape, (fh, fw), stride, pad = draw(geometries())
    dtype = draw(st.sampled_from(dtypes))
    x = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return {"x": x, "filter_h": fh, "filter_w": fw, "stride": stride, "pad": pad}


def im2col_reference(x, filter_h, filter_w, stride, pad):
    """One row per filter position, (n, i, j) in order; each row the patch's (c, dy, dx) values."""
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    xp[:, :, pad:pad + H, pad:pad + W] = x
    out_h, out_w = (H + 2 * pad - filter_h) // stride + 1, (W + 2 * pad - filter_w) // stride + 1
    rows = [xp[n, :, i * stride:i * stride + filter_h, j * stride:j * stride + filter_w].ravel()
            for n in range(N) for i in range(out_h) for j in range(out_w)]
    return np.array(rows, dtype=x.dtype)


def im2col_matches_definition(im2col):
    @given(im2col_inputs())
    def test_im2col_equals_the_loop_definition(args):
        col = im2col(args["x"].copy(), args["filter_h"], args["filter_w"], args["stride"],
                     args["pad"])
        want = im2col_reference(**args)
        assert shape_of(col) == want.shape, says(
            "the result has shape {got}, expected (N*out_h*out_w, C*FH*FW) = {want}",
            "결과의 모양은 {got}, 기대한 모양은 (N*out_h*out_w, C*FH*FW) = {want}입니다",
            got=shape_of(col), want=want.shape)
        assert np.array_equal(col, want), says(
            "rows or columns are in the wrong order: got {got}, expected {want}",
            "행이나 열의 순서가 틀렸습니다. 결과 {got}, 기댓값 {want}",
            got=np.asarray(col).tolist(), want=want.tolist())

    return test_im2col_equals_the_loop_definition


def im2col_keeps_float32(im2col):
    @given(im2col_inputs(dtypes=(np.float32,)))
    def test_im2col_keeps_the_dtype(args):
        col = im2col(args["x"], args["filter_h"], args["filter_w"], args["stride"], args["pad"])
        dtype = getattr(col, "dtype", None)
        assert dtype == np.float32, says(
            "a float32 x gives a result of dtype {got}", "float32 x를 넣었는데 결과의 dtype이 {got}입니다",
            got=dtype)

    return test_im2col_keeps_the_dtype


# ---- the registry: what check(name, fn) runs ----------------------------------------------------

@dataclass(frozen=True)
class Property:
    """One property of the function (or class) ``name``, as ``check`` reports it.

    Attributes
    ----------
    name : str
        What it checks, as passed to ``check``: "softmax", "Affine", ...
    id : str
        Short identifier, unique for ``name``: "no_overflow".
    make : callable
        ``make(fn)`` returns the Hypothesis test of ``fn`` (call it with no arguments).
    en, ko : str
        What the property says, in English and Korean.
    hint_en, hint_ko : str
        What to look at when it fails.
    section : str
        The lesson section the hint points to, as a site URL relative to the lessons
        folder: "03-softmax/#max-shift".
    examples : int
        How many generated inputs ``check`` tries (the tests use their profile's count).
    """

    name: str
    id: str
    make: Callable = field(repr=False)
    en: str = field(repr=False)
    ko: str = field(repr=False)
    hint_en: str = field(repr=False)
    hint_ko: str = field(repr=False)
    section: str = field(repr=False)
    examples: int = field(default=10, repr=False)

    def __call__(self, fn):
        """The Hypothesis test of ``fn`` for this property."""
        return self.make(fn)

    def description(self, lang):
        return self.ko if lang == "ko" else self.en

    def hint(self, lang):
        return self.hint_ko if lang == "ko" else self.hint_en


def _dtype_property(name, section, hint_en, hint_ko):
    return Property(
        name, "shape_and_dtype", keeps_shape_and_dtype,
        en="keeps the shape and the float dtype of x (float32 stays float32)",
        ko="x의 모양과 실수 dtype을 그대로 유지한다 (float32는 float32로)",
        hint_en=hint_en, hint_ko=hint_ko, section=section)


_AFFINE_GRADIENTS = {  # gradient: (what it is en, ko; hint en, ko)
    "dx": ("dL/dx = dout @ W.T", "dL/dx = dout @ W.T",
           "dx = dout @ W.T, reshaped to the shape x had in forward.",
           "dx = dout @ W.T를 forward가 받은 x의 모양으로 되돌리세요."),
    "dW": ("dL/dW = x.T @ dout", "dL/dW = x.T @ dout",
           "dW = x.T @ dout, with the x that forward kept.",
           "forward가 저장해 둔 x로 dW = x.T @ dout을 구하세요."),
    "db": ("dL/db = the sum of dout over the batch", "dL/db = 배치에 걸친 dout의 합",
           "b is added to every row, so its gradient is the sum over the batch: "
           "self.db = np.sum(dout, axis=0).",
           "b는 모든 행에 더해지므로 기울기는 배치에 걸친 합입니다: "
           "self.db = np.sum(dout, axis=0)."),
}

PROPERTIES = {
    "step_function": (
        Property("step_function", "values", step_function_values,
                 en="1 where x > 0, else 0", ko="x > 0이면 1, 아니면 0",
                 hint_en="Compare with 0 (x > 0 gives True/False), then turn the booleans into "
                         "numbers.",
                 hint_ko="0과 비교한 뒤(x > 0은 True/False), 그 불리언을 숫자로 바꾸세요.",
                 section="02-activations/#step-function"),
        _dtype_property("step_function", "02-activations/#step-function",
                        "x > 0 gives booleans, not numbers: return (x > 0).astype(x.dtype).",
                        "x > 0의 결과는 숫자가 아니라 불리언입니다. (x > 0).astype(x.dtype)을 "
                        "돌려주세요."),
    ),
    "sigmoid": (
        Property("sigmoid", "formula", sigmoid_matches_formula,
                 en="equals 1 / (1 + exp(-x)) for |x| <= 30",
                 ko="|x| <= 30에서 1 / (1 + exp(-x))와 같다",
                 hint_en="Check the formula: sigmoid(x) = 1 / (1 + exp(-x)).",
                 hint_ko="식을 확인하세요: sigmoid(x) = 1 / (1 + exp(-x)).",
                 section="02-activations/#sigmoid"),
        Property("sigmoid", "symmetric",
                 lambda f: sigmoid_in_0_1_and_symmetric(f, max_magnitude=30),
                 en="values in [0, 1] and sigmoid(-x) = 1 - sigmoid(x), for |x| <= 30",
                 ko="|x| <= 30에서 값이 [0, 1] 안에 있고 sigmoid(-x) = 1 - sigmoid(x)",
                 hint_en="sigmoid(-x) = 1 / (1 + exp(x)) = 1 - sigmoid(x): check the sign "
                         "inside exp.",
                 hint_ko="sigmoid(-x) = 1 / (1 + exp(x)) = 1 - sigmoid(x)입니다. exp 안의 부호를 "
                         "확인하세요.",
                 section="02-activations/#properties"),
        Property("sigmoid", "no_overflow", sigmoid_no_overflow,
                 en="no overflow: values in [0, 1] and no warning for |x| up to 1e300",
                 ko="오버플로 없음: |x|가 1e300까지 커져도 값이 [0, 1] 안에 있고 경고가 없다",
                 hint_en="exp(-x) overflows once -x > 709.78 (float64; 88.72 in float32). Call exp "
                         "only on -|x|, which is never positive, and choose the form for each "
                         "sign with np.where.",
                 hint_ko="exp(-x)는 -x > 709.78이면(float64, float32는 88.72) 오버플로합니다. "
                         "exp에는 양수가 될 수 없는 -|x|만 넣고, 부호에 맞는 식을 np.where로 "
                         "고르세요.",
                 section="02-activations/#sigmoid-overflow"),
        _dtype_property("sigmoid", "02-activations/#dtypes-and-errors",
                        "Compute in x's own dtype: no np.float64(...) or float64 arrays in "
                        "between.",
                        "x의 dtype 그대로 계산하세요. 중간에 np.float64(...)나 float64 배열을 "
                        "섞지 마세요."),
    ),
    "relu": (
        Property("relu", "values", relu_values,
                 en="max(0, x) elementwise: never negative, and relu(relu(x)) = relu(x)",
                 ko="원소마다 max(0, x): 음수가 없고, relu(relu(x)) = relu(x)",
                 hint_en="np.maximum(x, 0) compares element by element; np.max(x, 0) would "
                         "take the largest value along axis 0 instead.",
                 hint_ko="np.maximum(x, 0)은 원소끼리 비교합니다. np.max(x, 0)은 축 0을 따라 가장 "
                         "큰 값을 고르는 다른 함수입니다.",
                 section="02-activations/#relu"),
        Property("relu", "input_unchanged", leaves_input_unchanged,
                 en="leaves x unchanged (returns a new array)",
                 ko="x를 바꾸지 않는다 (새 배열을 돌려준다)",
                 hint_en="Writing into x (x[x < 0] = 0) changes the caller's array too; "
                         "np.maximum(x, 0) returns a new one.",
                 hint_ko="x[x < 0] = 0처럼 x에 쓰면 호출한 쪽의 배열까지 바뀝니다. "
                         "np.maximum(x, 0)은 새 배열을 돌려줍니다.",
                 section="02-activations/#relu"),
        _dtype_property("relu", "02-activations/#dtypes-and-errors",
                        "np.maximum(x, 0) keeps x's dtype and shape.",
                        "np.maximum(x, 0)은 x의 dtype과 모양을 그대로 유지합니다."),
    ),
    "softmax": (
        Property("softmax", "sums_to_one", lambda f: softmax_sums_to_one(f, max_magnitude=50),
                 en="outputs in [0, 1] that sum to 1 along the last axis, for |x| <= 50",
                 ko="|x| <= 50에서 출력이 [0, 1] 안에 있고 마지막 축을 따라 합이 1",
                 hint_en="For a batch (N, n), normalise each row: sum along axis=-1 with "
                         "keepdims=True, not over the whole array.",
                 hint_ko="배치 (N, n)에서는 행마다 정규화해야 합니다. 배열 전체가 아니라 "
                         "axis=-1을 따라 keepdims=True로 더하세요.",
                 section="03-softmax/#batches"),
        Property("softmax", "order", lambda f: softmax_preserves_order(f, max_magnitude=50),
                 en="preserves order: a larger score never gets a smaller probability",
                 ko="순서를 보존한다: 더 큰 점수가 더 작은 확률을 받지 않는다",
                 hint_en="exp is increasing; divide every entry of a row by the same sum.",
                 hint_ko="exp는 증가 함수입니다. 한 행의 모든 원소를 같은 합으로 나누세요.",
                 section="03-softmax/#properties"),
        Property("softmax", "shift_invariant",
                 lambda f: softmax_is_shift_invariant(f, max_abs=32, max_side=4),
                 en="shift invariance, exactly: softmax(x + c) == softmax(x) (multiples of 1/8, "
                    "|x|, |c| <= 32)",
                 ko="평행 이동 불변성, 정확히: softmax(x + c) == softmax(x) (1/8의 배수, "
                    "|x|, |c| <= 32)",
                 hint_en="Subtract each row's maximum before exp: x + c and x then become the "
                         "very same numbers, so the results agree to the last bit.",
                 hint_ko="exp 전에 각 행의 최댓값을 빼세요. 그러면 x + c와 x가 똑같은 수가 되어 "
                         "결과가 마지막 비트까지 같아집니다.",
                 section="03-softmax/#max-shift"),
        Property("softmax", "no_overflow", softmax_no_overflow,
                 en="no overflow: finite outputs and no warning for |x| up to 1e300",
                 ko="오버플로 없음: |x|가 1e300까지 커져도 출력이 유한하고 경고가 없다",
                 hint_en="exp(x) overflows above x = 709.78 (float64; 88.72 in float32). Subtract "
                         "each row's maximum first: softmax does not change, and every exp is "
                         "at most 1.",
                 hint_ko="exp(x)는 x > 709.78이면(float64, float32는 88.72) 오버플로합니다. "
                         "먼저 각 행의 최댓값을 빼세요. 소프트맥스 값은 그대로이고 모든 exp가 "
                         "1 이하가 됩니다.",
                 section="03-softmax/#max-shift"),
        _dtype_property("softmax", "03-softmax/#dtype",
                        "Keep x's dtype: np.exp, np.max and np.sum of a float32 array stay "
                        "float32.",
                        "x의 dtype을 유지하세요. float32 배열의 np.exp, np.max, np.sum은 "
                        "float32로 남습니다."),
    ),
    "cross_entropy_error": (
        Property("cross_entropy_error", "minus_log_p", cross_entropy_is_minus_log_p,
                 en="equals -log of the true class's probability (the batch mean), "
                    "with one-hot labels t",
                 ko="원-핫 레이블 t에서 정답 클래스 확률의 -log와 같다 (배치면 평균)",
                 hint_en="Compute -sum(t * log(y)) per sample, then the mean over the batch. "
                         "Adding a delta to y shifts every loss; floor y at the smallest normal "
                         "float instead: np.maximum(y, np.finfo(y.dtype).tiny).",
                 hint_ko="샘플마다 -sum(t * log(y))를 구한 뒤 배치 평균을 내세요. y에 델타를 "
                         "더하면 모든 손실이 조금씩 어긋납니다. 대신 가장 작은 정규 부동소수점 "
                         "수를 하한으로 두세요: np.maximum(y, np.finfo(y.dtype).tiny).",
                 section="04-output-and-loss/#probability-zero"),
        Property("cross_entropy_error", "finite", cross_entropy_is_finite_and_nonnegative,
                 en="finite and >= 0, even where a probability is exactly 0; "
                    "0 only for a perfect prediction",
                 ko="확률이 정확히 0이어도 유한하고 0 이상이며, 완벽한 예측일 때만 0",
                 hint_en="log(0) = -inf, and 0 * -inf is nan: keep y away from 0 without "
                         "moving y = 1 (np.maximum(y, tiny), not y + delta).",
                 hint_ko="log(0) = -inf이고 0 * -inf는 nan입니다. y = 1은 그대로 두고 y가 0이 "
                         "되지 않게 하세요 (y + delta가 아니라 np.maximum(y, tiny)).",
                 section="04-output-and-loss/#probability-zero"),
        Property("cross_entropy_error", "index_labels",
                 lambda f: accepts_index_labels(f, positive=True),
                 en="class indices t give the same loss as one-hot labels (probabilities > 0)",
                 ko="클래스 번호 t로도 원-핫 레이블과 같은 손실을 준다 (확률이 모두 0보다 클 때)",
                 hint_en="Turn class indices into one-hot rows of y's shape first (labels_like "
                         "picks rows of np.eye).",
                 hint_ko="클래스 번호를 먼저 y와 같은 모양의 원-핫 행으로 바꾸세요 "
                         "(labels_like는 np.eye의 행을 고릅니다).",
                 section="04-output-and-loss/#labels"),
    ),
    "numerical_gradient": (
        Property("numerical_gradient", "accurate", numerical_gradient_is_accurate,
                 en="equals the exact gradient of f(x) = sum((i+1) x_i^2), within 1e-6, "
                    "for x of any shape",
                 ko="어떤 모양의 x에서든 f(x) = sum((i+1) x_i^2)의 정확한 기울기와 1e-6 안에서 같다",
                 hint_en="Use the central difference (f(x+h) - f(x-h)) / 2h: the forward "
                         "difference (f(x+h) - f(x)) / h is off by about h/2 * f''. Visit every "
                         "index of x with np.ndindex(x.shape).",
                 hint_ko="중심 차분 (f(x+h) - f(x-h)) / 2h를 쓰세요. 전방 차분 (f(x+h) - f(x)) / h는 "
                         "h/2 * f''만큼 어긋납니다. x의 모든 인덱스는 np.ndindex(x.shape)로 "
                         "돌 수 있습니다.",
                 section="08-gradients/#numerical-differentiation"),
        Property("numerical_gradient", "restores_x", numerical_gradient_restores_x,
                 en="leaves x exactly as it was",
                 ko="x를 호출 전과 똑같이 돌려놓는다",
                 hint_en="Save x[idx] before the nudges and assign it back afterwards "
                         "((w + h) - h is not always w in floating point).",
                 hint_ko="값을 바꾸기 전에 x[idx]를 저장해 두었다가 끝나면 그 값을 다시 "
                         "대입하세요 (부동소수점에서 (w + h) - h가 늘 w는 아닙니다).",
                 section="08-gradients/#gradient"),
        Property("numerical_gradient", "in_place", numerical_gradient_nudges_x_itself,
                 en="works when f reads x itself, as a network's loss reads its weights",
                 ko="신경망의 손실이 가중치를 읽듯 f가 x를 직접 읽어도 맞다",
                 hint_en="Nudge the elements of x itself, not of a copy: a loss that reads the "
                         "network's weights never sees a copy.",
                 hint_ko="복사본이 아니라 x 자신의 원소를 바꾸세요. 신경망의 가중치를 읽는 손실은 "
                         "복사본을 보지 못합니다.",
                 section="08-gradients/#gradient"),
    ),
    "Affine": (
        Property("Affine", "forward", affine_forward,
                 en="forward(x) = x @ W + b",
                 ko="forward(x) = x @ W + b",
                 hint_en="y = x @ W + b: b is added to every row by broadcasting.",
                 hint_ko="y = x @ W + b. b는 브로드캐스팅으로 모든 행에 더해집니다.",
                 section="09-backpropagation/#affine"),
        *(Property("Affine", f"backward_{g}", lambda A, g=g: affine_gradient(A, g),
                   en=f"backward sets {g}, equal to the numerical gradient: {en}",
                   ko=f"backward가 구한 {g}가 수치 미분의 기울기와 같다: {ko}",
                   hint_en=hint_en, hint_ko=hint_ko, section="09-backpropagation/#affine")
          for g, (en, ko, hint_en, hint_ko) in _AFFINE_GRADIENTS.items()),
        Property("Affine", "images", lambda A: affine_gradient(A, "dx", images=True),
                 en="images (N, C, H, W) are flattened to rows; dx comes back in their shape",
                 ko="이미지 (N, C, H, W)는 행으로 펼치고, dx는 원래 모양으로 돌려준다",
                 hint_en="In forward, keep x.shape and use x.reshape(x.shape[0], -1); in "
                         "backward, reshape dx to the kept shape.",
                 hint_ko="forward에서 x.shape를 저장하고 x.reshape(x.shape[0], -1)로 펼치세요. "
                         "backward에서는 dx를 저장한 모양으로 되돌리세요.",
                 section="09-backpropagation/#affine"),
    ),
    "SoftmaxWithLoss": (
        Property("SoftmaxWithLoss", "forward", softmax_with_loss_forward,
                 en="forward(x, t) = the cross-entropy of softmax(x), averaged over the batch "
                    "(one-hot or index labels)",
                 ko="forward(x, t) = softmax(x)의 교차 엔트로피 오차의 배치 평균 "
                    "(원-핫 레이블이든 클래스 번호든)",
                 hint_en="softmax with the max shift, then -log of the true class's "
                         "probability, averaged over the N samples (no delta added).",
                 hint_ko="최댓값을 뺀 소프트맥스, 그다음 정답 클래스 확률의 -log를 N개 샘플에 "
                         "대해 평균하세요 (델타는 더하지 않습니다).",
                 section="09-backpropagation/#softmax-with-loss"),
        Property("SoftmaxWithLoss", "backward", softmax_with_loss_backward,
                 en="backward() = (softmax(x) - t) / N, equal to the numerical gradient",
                 ko="backward() = (softmax(x) - t) / N, 수치 미분의 기울기와 같다",
                 hint_en="Keep y = softmax(x) and one-hot t from forward; return (y - t) / N, "
                         "with N the batch size.",
                 hint_ko="forward에서 y = softmax(x)와 원-핫 t를 저장해 두고, N이 배치 크기일 때 "
                         "(y - t) / N을 돌려주세요.",
                 section="09-backpropagation/#softmax-with-loss"),
    ),
    "im2col": (
        Property("im2col", "definition", im2col_matches_definition,
                 en="one row per filter position (n, i, j in order), each row the patch's "
                    "values in (C, FH, FW) order",
                 ko="필터 위치마다 한 행(n, i, j 순서), 각 행은 그 영역의 값을 (C, FH, FW) "
                    "순서로",
                 hint_en="Pad x, collect col[n, c, y, x, i, j], then transpose to "
                         "(N, out_h, out_w, C, FH, FW) before the reshape.",
                 hint_ko="x에 패딩을 붙이고 col[n, c, y, x, i, j]를 채운 뒤, reshape 전에 "
                         "(N, out_h, out_w, C, FH, FW) 순서로 transpose하세요.",
                 section="11-cnn/#im2col"),
        Property("im2col", "float32", im2col_keeps_float32,
                 en="a float32 x gives a float32 result",
                 ko="float32 x를 넣으면 결과도 float32",
                 hint_en="Create the buffers with dtype=x.dtype (np.zeros defaults to float64).",
                 hint_ko="버퍼를 dtype=x.dtype으로 만드세요 (np.zeros의 기본값은 float64입니다).",
                 section="11-cnn/#im2col"),
    ),
}
"""Every property ``check`` runs, by the name it takes; the tests run them too."""

CLASSES = {"Affine", "SoftmaxWithLoss"}
"""Names whose implementation is a class (``check("Affine", MyAffine)``), not a function."""


def properties_of(name):
    """The properties of ``name`` (a tuple of :class:`Property`); KeyError if it has none."""
    return PROPERTIES[name]
