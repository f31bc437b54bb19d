"""Backpropagation is checked against the numerical gradient, and against PyTorch where installed.

Tests of dlnotes.gradient, dlnotes.layers and dlnotes.nets: every layer's backward and both
nets' gradient() agree with central differences (relative error < 1e-6 in float64) over
Hypothesis-drawn shapes and values. The properties of numerical_gradient, Affine and
SoftmaxWithLoss live in dlnotes.properties, shared with dlnotes.exercises.check.
"""


import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from conftest import torch_or_skip
from dlnotes.gradient import gradient_descent, numerical_gradient
from dlnotes.layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from dlnotes.nets import MultiLayerNet, TwoLayerNet, init_scale
from dlnotes.properties import PROPERTIES, relative_error

MAX_REL_ERROR = 1e-6


def clear_of_relu_kinks(net, x, margin=1e-3):
    """True if no ReLU input is within margin of 0, where the numerical gradient (h = 1e-4)
    would straddle the kink and disagree with the one-sided derivative backprop uses."""
    h = x
    for layer, following in zip(net.layers, net.layers[1:] + [None]):
        h = layer.forward(h)
        if isinstance(following, Relu) and np.min(np.abs(h)) < margin:
            return False
    return True


shapes = st.tuples(st.integers(1, 5), st.integers(1, 6), st.integers(2, 5))  # N, n_in, n_out
seeds = st.integers(0, 2**32 - 1)


# ---- numerical_gradient and gradient_descent -------------------------------------------------

def test_numerical_gradient_of_known_functions():
    # d/dx (x0^2 + x1^2) = (2 x0, 2 x1); the book's example at (3, 4) gives (6, 8).
    np.testing.assert_allclose(numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0])), [6, 8], rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda x: np.sin(x).sum(), np.array([[0.5], [1.0]])),
                               np.cos([[0.5], [1.0]]), rtol=1e-7)
    assert numerical_gradient(lambda x: x**3, 2.0) == pytest.approx(12.0, rel=1e-7)


def test_numerical_gradient_leaves_x_unchanged_even_if_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    numerical_gradient(lambda v: float(v @ v), x)
    assert np.array_equal(x, before)

    def explode(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(explode, x)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("prop", PROPERTIES["numerical_gradient"], ids=lambda p: p.id)
def test_numerical_gradient_properties(prop):
    # central differences within 1e-6 of the exact gradient, x restored, x nudged in place
    prop(numerical_gradient)()


def test_gradient_descent_finds_the_minimum_and_keeps_the_path():
    start = np.array([-3.0, 4.0])
    x, path = gradient_descent(lambda v: np.sum(v**2), start, lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [0, 0], atol=1e-8)
    assert path.shape == (101, 2) and np.array_equal(path[0], start) and np.array_equal(start, [-3.0, 4.0])
    # Each step of x^2 descent multiplies x by (1 - 2 lr) exactly: the path is geometric.
    np.testing.assert_allclose(path[1:] / path[:-1], 0.8, rtol=1e-6)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(lambda v: np.sum(v**2), start, lr=0)


# ---- each layer's backward against the numerical gradient -----------------------------------

def check_layer(forward, backward, x, rng):
    """Compare backward(dout) with the numerical gradient of sum(forward(x) * dout)."""
    out = forward(x)
    dout = rng.standard_normal(out.shape)
    analytic = backward(dout)
    numeric = numerical_gradient(lambda v: np.sum(forward(v) * dout), x.copy(), h=1e-5)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("prop", PROPERTIES["Affine"], ids=lambda p: p.id)
def test_affine_forward_and_backward(prop):
    # forward = x @ W + b; dx, dW, db (and dx of images) equal the numerical gradient of
    # sum(dout * (x @ W + b)) with relative error < 1e-6
    prop(Affine)()


@given(shapes, seeds)
def test_relu_and_sigmoid_backward(shape, seed):
    n, n_in, _ = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_in))
    x = np.where(np.abs(x) < 1e-3, 1e-3, x)  # away from ReLU's kink
    for layer in (Relu(), Sigmoid()):
        assert check_layer(layer.forward, layer.backward, x, rng) < MAX_REL_ERROR


@pytest.mark.parametrize("prop", PROPERTIES["SoftmaxWithLoss"], ids=lambda p: p.id)
def test_softmax_with_loss_forward_and_backward(prop):
    # one-hot and index labels: the loss is the cross-entropy of softmax, and backward equals
    # the numerical gradient of that loss with relative error < 1e-6
    prop(SoftmaxWithLoss)()


def test_softmax_with_loss_value_is_cross_entropy():
    x = np.array([[2.0, 1.0, 0.1]])
    p = np.exp(x) / np.exp(x).sum()
    assert SoftmaxWithLoss().forward(x, [0]) == pytest.approx(-np.log(p[0, 0]), rel=1e-12)


def test_dropout_backward_uses_the_forward_mask():
    rng = np.random.default_rng(0)
    layer = Dropout(0.5, rng=1)
    x = rng.standard_normal((50, 40))
    y = layer.forward(x)
    kept = y != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), kept.astype(float))
    np.testing.assert_allclose(layer.forward(x, train_flg=False), 0.5 * x)


def test_layers_do_not_modify_their_inputs():
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for layer in (Relu(), Sigmoid(), Dropout(0.3, rng=0)):
        xc, dc = x.copy(), dout.copy()
        layer.forward(xc)
        layer.backward(dc)
        assert np.array_equal(xc, x) and np.array_equal(dc, dout)


def test_affine_without_dx_keeps_the_parameter_gradients():
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    full, first = Affine(W, b), Affine(W, b, need_dx=False)
    np.testing.assert_array_equal(full.forward(x), first.forward(x))
    assert full.backward(dout).shape == x.shape and first.backward(dout) is None
    np.testing.assert_array_equal(first.dW, full.dW)  # full.dW: checked numerically above
    np.testing.assert_array_equal(first.db, full.db)
    xc, dc = x.copy(), dout.copy()
    Affine(W, b).forward(xc)
    assert np.array_equal(xc, x) and np.array_equal(dc, dout)


def test_relu_backward_passes_dout_exactly_where_x_is_positive():
    x = np.array([[-2.0, 0.0, 3.0], [1e-300, -1e-300, 5.0]])
    dout = np.array([[7.0, 8.0, 9.0], [-1.0, 2.0, -3.0]])
    layer = Relu()
    np.testing.assert_array_equal(layer.forward(x), [[0, 0, 3], [1e-300, 0, 5]])
    np.testing.assert_array_equal(layer.backward(dout), [[0, 0, 9], [-1, 0, -3]])


# ---- whole networks ----------------------------------------------------------------------

@settings(max_examples=30)
@given(st.integers(1, 4), st.integers(2, 6), st.integers(2, 5), st.integers(2, 4), seeds)
def test_two_layer_net_backprop_equals_numerical_gradient(n, n_in, hidden, n_out, seed):
    rng = np.random.default_rng(seed)
    net = TwoLayerNet(n_in, hidden, n_out, weight_init_std=1.0, rng=seed)
    x, t = rng.standard_normal((n, n_in)), rng.integers(0, n_out, n)
    assume(clear_of_relu_kinks(net, x))
    grads, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    assert set(grads) == set(numeric) == {"W1", "b1", "W2", "b2"}
    for key in grads:
        assert grads[key].shape == net.params[key].shape
        assert relative_error(grads[key], numeric[key]) < MAX_REL_ERROR, key


@settings(max_examples=30)
@given(st.lists(st.integers(2, 5), min_size=1, max_size=3), st.sampled_from(["relu", "sigmoid"]),
       st.sampled_from([0.0, 0.1]), seeds)
@example([2, 2], "relu", 0.0, 7661737)  # every ReLU dead: the true gradient is exactly 0
def test_multi_layer_net_backprop_equals_numerical_gradient(hidden, activation, decay, seed):
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(4, hidden, 3, activation=activation, weight_decay_lambda=decay, rng=seed)
    x, t = rng.standard_normal((3, 4)), rng.integers(0, 3, 3)
    assume(clear_of_relu_kinks(net, x))
    grads, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    for key in grads:
        assert relative_error(grads[key], numeric[key]) < MAX_REL_ERROR, key


def test_the_first_layer_skips_its_input_gradient():
    net = MultiLayerNet(4, [3, 3], 2, rng=0)
    affines = [layer for layer in net.layers if isinstance(layer, Affine)]
    assert [layer.need_dx for layer in affines] == [False, True, True]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_net_computes_in_its_own_dtype(dtype):
    # No silent float64: float64 or integer data, integer labels and the 1/N of the loss must
    # not promote a float32 net (nor demote a float64 one).
    net = MultiLayerNet(6, [5, 4], 3, weight_decay_lambda=0.1, dropout_ratio=0.2, dtype=dtype, rng=0)
    rng = np.random.default_rng(0)
    for x in (rng.standard_normal((8, 6)), rng.integers(0, 3, (8, 6))):
        t = rng.integers(0, 3, 8)
        assert net.predict(x).dtype == dtype
        assert net.loss(x, t).dtype == dtype
        assert all(g.dtype == dtype for g in net.gradient(x, t).values())
        assert net.last_layer.y.dtype == dtype


def test_weight_init_scales():
    assert init_scale("he", 50, "relu") == pytest.approx(np.sqrt(2 / 50))
    assert init_scale("xavier", 50, "sigmoid") == pytest.approx(np.sqrt(1 / 50))
    assert init_scale("auto", 50, "relu") == init_scale("he", 50, "relu")
    assert init_scale(0.01, 50, "relu") == 0.01
    net = MultiLayerNet(1000, [1000], 10, weight_init_std="he", rng=0)
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)
    with pytest.raises(ValueError, match="weight_init_std"):
        init_scale("glorot", 10, "relu")


def test_nets_reject_bad_batches():
    net = TwoLayerNet(4, 3, 2, rng=0)
    with pytest.raises(ValueError, match="4 values per sample|takes 4"):
        net.predict(np.ones((2, 5)))
    with pytest.raises(ValueError, match="batch"):
        net.predict(np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        net.predict(np.array([[1.0, np.nan, 0, 0]]))


# ---- PyTorch as an independent reference ----------------------------------------------------

@pytest.mark.parametrize("activation, decay", [("relu", 0.0), ("sigmoid", 0.05)])
def test_loss_and_gradients_agree_with_torch_autograd(activation, decay):
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    net = MultiLayerNet(6, [5, 4], 3, activation=activation, weight_decay_lambda=decay, weight_init_std=0.5, rng=1)
    x, t = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)

    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    h = torch.tensor(x)
    act = torch.relu if activation == "relu" else torch.sigmoid
    for i in (1, 2):
        h = act(h @ params[f"W{i}"] + params[f"b{i}"])
    scores = h @ params["W3"] + params["b3"]
    loss = torch.nn.functional.cross_entropy(scores, torch.tensor(t))
    loss = loss + 0.5 * decay * sum((params[f"W{i}"] ** 2).sum() for i in (1, 2, 3))
    loss.backward()

    assert net.loss(x, t) == pytest.approx(loss.item(), rel=1e-12)
    grads = net.gradient(x, t)
    for key, p in params.items():
        np.testing.assert_allclose(grads[key], p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
