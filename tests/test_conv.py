"""Tests of dlnotes.conv against independent references.

im2col equals its loop definition and is col2im's adjoint; Convolution and Pooling equal
direct nested-loop definitions; every backward equals the numerical gradient and, in float64,
PyTorch's autograd of conv2d / max_pool2d to 1e-10. Shapes are small so the file stays fast.
im2col's properties and the geometries strategy live in dlnotes.properties, shared with
dlnotes.exercises.check.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import conftest
from dlnotes.conv import (ConvNet, Convolution, Pooling, SimpleConvNet, col2im, im2col,
                          output_size)
from dlnotes.gradient import numerical_gradient
from dlnotes.layers import Relu
from dlnotes.properties import PROPERTIES, geometries, relative_error

TORCH_TOLERANCE = 1e-10
seeds = st.integers(0, 2**32 - 1)


def conv_reference(x, W, b, stride, pad):
    """Convolution by its definition: every output pixel a dot product, in plain loops."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    xp = np.zeros((N, C, H + 2 * pad, Wd + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + Wd] = x
    out_h, out_w = (H + 2 * pad - FH) // stride + 1, (Wd + 2 * pad - FW) // stride + 1
    out = np.zeros((N, FN, out_h, out_w))
    for n in range(N):
        for f in range(FN):
            for i in range(out_h):
                for j in range(out_w):
                    patch = xp[n, :, i * stride:i * stride + FH, j * stride:j * stride + FW]
                    out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


def pool_reference(x, size_h, size_w, stride, pad):
    """Max pooling by its definition: the largest pixel of each window (padding never wins)."""
    N, C, H, W = x.shape
    out_h, out_w = (H + 2 * pad - size_h) // stride + 1, (W + 2 * pad - size_w) // stride + 1
    out = np.zeros((N, C, out_h, out_w))
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    rows = range(max(i * stride - pad, 0), min(i * stride - pad + size_h, H))
                    cols = range(max(j * stride - pad, 0), min(j * stride - pad + size_w, W))
                    out[n, c, i, j] = max(x[n, c, r, s] for r in rows for s in cols)
    return out


def distinct_values(rng, shape):
    """Values at least 0.01 apart: no ties in a max, and h = 1e-4 never changes the winner."""
    return (rng.permutation(int(np.prod(shape))) * 0.01 - 1).reshape(shape)


# ---- output size, im2col, col2im ----------------------------------------------------------

def test_output_size_formula():
    assert output_size(28, 5) == 24
    assert output_size(28, 3, pad=1) == 28
    assert output_size(24, 2, stride=2) == 12
    assert output_size(7, 3, stride=2, pad=1) == 4
    with pytest.raises(ValueError, match="not a whole number"):
        output_size(28, 3, stride=2)
    with pytest.raises(ValueError, match="does not fit"):
        output_size(3, 5)
    with pytest.raises(ValueError, match="stride"):
        output_size(28, 3, stride=0)
    with pytest.raises(ValueError, match="pad"):
        output_size(28, 3, pad=-1)


def test_im2col_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    col = im2col(x, 2, 2, stride=2)
    np.testing.assert_array_equal(col, [[0, 1, 4, 5], [2, 3, 6, 7],
                                        [8, 9, 12, 13], [10, 11, 14, 15]])
    assert im2col(x, 3, 3, pad=1).shape == (16, 9)
    assert im2col(np.ones((2, 3, 5, 5)), 3, 3).shape == (2 * 3 * 3, 3 * 3 * 3)  # book's shapes


@pytest.mark.parametrize("prop", PROPERTIES["im2col"], ids=lambda p: p.id)
def test_im2col_properties(prop):
    # every row is one filter position's patch in (C, FH, FW) order (a loop reference), and
    # float32 stays float32
    prop(im2col)()


@given(geometries(), seeds)
def test_im2col_and_col2im_are_adjoint(geometry, seed):
    shape, (fh, fw), stride, pad = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    col = im2col(x, fh, fw, stride, pad)
    y = rng.standard_normal(col.shape)
    back = col2im(y, shape, fh, fw, stride, pad)
    assert back.shape == shape
    np.testing.assert_allclose(np.sum(col * y), np.sum(x * back), rtol=1e-10, atol=1e-10)


@given(geometries(), st.sampled_from([np.float32, np.float64]))
def test_im2col_and_col2im_keep_the_dtype(geometry, dtype):
    shape, (fh, fw), stride, pad = geometry
    col = im2col(np.ones(shape, dtype), fh, fw, stride, pad)
    assert col.dtype == dtype
    assert col2im(col, shape, fh, fw, stride, pad).dtype == dtype


def test_col2im_rejects_a_col_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N\*out_h\*out_w, C\*FH\*FW\) = \(8, 27\)"):
        col2im(np.zeros((8, 9)), (2, 3, 4, 4), 3, 3)


# ---- Convolution and Pooling against loop references --------------------------------------

@given(geometries(), st.integers(1, 3), seeds)
def test_convolution_equals_the_nested_loop_definition(geometry, FN, seed):
    shape, (fh, fw), stride, pad = geometry
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal(shape), rng.standard_normal((FN, shape[1], fh, fw)), \
        rng.standard_normal(FN)
    out = Convolution(W, b, stride, pad).forward(x)
    np.testing.assert_allclose(out, conv_reference(x, W, b, stride, pad), rtol=1e-10,
                               atol=1e-10)


@given(geometries(max_filter=3), seeds)
def test_max_pooling_equals_the_loop_definition(geometry, seed):
    shape, (ph, pw), stride, pad = geometry
    assume(2 * pad <= min(ph, pw))
    x = np.random.default_rng(seed).standard_normal(shape) - 3  # negative: padding must lose
    out = Pooling(ph, pw, stride, pad).forward(x)
    np.testing.assert_array_equal(out, pool_reference(x, ph, pw, stride, pad))


@settings(max_examples=20)
@given(geometries(max_filter=3), st.integers(1, 2), seeds)
def test_convolution_backward_equals_the_numerical_gradient(geometry, FN, seed):
    shape, (fh, fw), stride, pad = geometry
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal(shape), rng.standard_normal((FN, shape[1], fh, fw)), \
        rng.standard_normal(FN)
    layer = Convolution(W, b, stride, pad)
    out = layer.forward(x)
    weights = rng.standard_normal(out.shape)  # loss = sum(weights * out)
    dx = layer.backward(weights)

    def loss(_):
        return np.sum(weights * Convolution(W, b, stride, pad).forward(x))

    for name, grad, value in (("x", dx, x), ("W", layer.dW, W), ("b", layer.db, b)):
        assert relative_error(grad, numerical_gradient(loss, value)) < 1e-7, name


@settings(max_examples=30)
@given(geometries(max_filter=3), seeds)
def test_pooling_backward_equals_the_numerical_gradient(geometry, seed):
    shape, (ph, pw), stride, pad = geometry
    assume(2 * pad <= min(ph, pw))
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, shape)
    layer = Pooling(ph, pw, stride, pad)
    weights = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(weights)
    numeric = numerical_gradient(lambda _: np.sum(weights * Pooling(ph, pw, stride, pad)
                                                  .forward(x)), x)
    assert relative_error(dx, numeric) < 1e-7


def test_layers_keep_float32_and_leave_their_inputs_alone():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    before = x.copy()
    W = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    conv, pool = Convolution(W, np.zeros(4, np.float32), pad=1), Pooling(2, 2)
    h = pool.forward(conv.forward(x))
    assert h.dtype == np.float32 and h.shape == (2, 4, 3, 3)
    dout = np.ones_like(h)
    dx = conv.backward(pool.backward(dout))
    assert dx.dtype == conv.dW.dtype == conv.db.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(dout, 1)


def test_layers_reject_bad_input_with_messages_that_name_the_axes():
    conv = Convolution(np.ones((2, 1, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"x must be \(N, C, H, W\) = \(N, 1, H, W\), "
                                         r"got \(28, 28\)"):
        conv.forward(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\), got \(2, 3, 8, 8\)"):
        conv.forward(np.zeros((2, 3, 8, 8)))  # 3 channels for 1-channel filters
    with pytest.raises(ValueError, match="NaN"):
        conv.forward(np.full((1, 1, 5, 5), np.nan))
    with pytest.raises(ValueError, match="inf"):
        Pooling(2, 2).forward(np.full((1, 1, 4, 4), np.inf))
    with pytest.raises(ValueError, match="not a whole number"):
        Pooling(2, 2).forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"W must be \(FN, C, FH, FW\)"):
        Convolution(np.ones((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="half the window"):
        Pooling(2, 2, pad=2)


# ---- SimpleConvNet and ConvNet --------------------------------------------------------------

def clear_of_relu_kinks(net, x, margin=1e-3):
    """No ReLU input within margin of 0, and no max-pooling window whose largest positive
    value is within margin of its second: there h = 1e-4 could straddle a kink."""
    h = x
    for layer, following in zip(net.layers, net.layers[1:] + [None]):
        if isinstance(layer, Pooling):  # the two largest values of each window
            s = layer.stride
            windows = np.lib.stride_tricks.sliding_window_view(
                h, (layer.pool_h, layer.pool_w), axis=(2, 3))[:, :, ::s, ::s]
            top = np.sort(windows.reshape(*windows.shape[:4], -1), axis=-1)[..., -2:]
            if np.any((top[..., 1] > 0) & (top[..., 1] - top[..., 0] < margin)):
                return False
        h = layer.forward(h)
        if isinstance(following, Relu) and np.min(np.abs(h)) < margin:
            return False
    return True


def small_simple_conv_net(seed, dtype=np.float64):
    return SimpleConvNet(input_dim=(2, 4, 4), conv_param={"filter_num": 3, "filter_size": 3,
                                                          "pad": 1, "stride": 1},
                         hidden_size=5, output_size=4, weight_init_std=0.3, dtype=dtype,
                         rng=seed)


@settings(max_examples=5)
@given(seeds)
def test_simple_conv_net_gradient_equals_the_numerical_gradient(seed):
    rng = np.random.default_rng(seed)
    net = small_simple_conv_net(seed)
    x, t = distinct_values(rng, (2, 2, 4, 4)), rng.integers(0, 4, 2)
    assume(clear_of_relu_kinks(net, x))
    grads, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    assert set(grads) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for key in grads:
        assert relative_error(grads[key], numeric[key]) < 1e-6, key


ARCH = [("conv", 3, 3), ("relu",), ("pool", 2), ("conv", 4, 3), ("relu",), ("pool", 2),
        ("affine", 5), ("relu",), ("affine", 3)]


@settings(max_examples=3)
@given(seeds)
def test_conv_net_gradient_equals_the_numerical_gradient(seed):
    rng = np.random.default_rng(seed)
    net = ConvNet(ARCH, input_dim=(1, 8, 8), weight_decay_lambda=0.1, dtype=np.float64,
                  rng=seed)
    x, t = distinct_values(rng, (2, 1, 8, 8)), rng.integers(0, 3, 2)
    assume(clear_of_relu_kinks(net, x))
    grads, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    assert set(grads) == {f"{p}{i}" for i in range(1, 5) for p in "Wb"}
    for key in grads:
        assert relative_error(grads[key], numeric[key]) < 1e-6, key


def test_simple_conv_net_has_the_books_shapes_and_dtype():
    net = SimpleConvNet(dtype=np.float32, rng=0)
    shapes = {key: value.shape for key, value in net.params.items()}
    assert shapes == {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (30 * 12 * 12, 100),
                      "b2": (100,), "W3": (100, 10), "b3": (10,)}
    x = np.random.default_rng(0).random((3, 1, 28, 28))  # float64 data, float32 net
    assert net.predict(x).dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradient(x, [1, 2, 3]).values())
    assert net.accuracy(x, np.eye(10)[[1, 2, 3]]) in (0, 1 / 3, 2 / 3, 1)


def test_nets_name_the_expected_image_shape():
    net = SimpleConvNet(rng=0)
    with pytest.raises(ValueError, match=r"x must be \(N, C, H, W\) = \(N, 1, 28, 28\), "
                                         r"got \(28, 28\)"):
        net.predict(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"got \(2, 784\): .*reshape\(-1, 1, 28, 28\)"):
        net.predict(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"x\[None\]"):
        ConvNet(ARCH, input_dim=(1, 8, 8)).predict(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="unknown layer 'tanh'"):
        ConvNet([("tanh",)])


def test_conv_net_predicts_in_batches_with_the_same_scores():
    net = ConvNet(ARCH, input_dim=(1, 8, 8), rng=1)
    x = np.random.default_rng(1).random((7, 1, 8, 8)).astype(np.float32)
    whole, batched = net.predict(x, batch_size=100), net.predict(x, batch_size=3)
    assert batched.dtype == np.float32 and batched.shape == (7, 3)
    np.testing.assert_allclose(batched, whole, rtol=1e-6)
    assert [layer.need_dx for layer in net.layers if hasattr(layer, "need_dx")] == \
        [False, True, True, True]


# ---- PyTorch as an independent reference (float64, 1e-10) ----------------------------------

def torch_or_skip():
    torch = conftest.torch_or_skip()
    torch.set_num_threads(1)  # tiny tensors: a thread pool only waits on a busy machine
    return torch


@settings(max_examples=15)
@given(geometries(), st.integers(1, 3), seeds)
def test_convolution_gradients_equal_torch_autograd(geometry, FN, seed):
    torch = torch_or_skip()
    shape, (fh, fw), stride, pad = geometry
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal(shape), rng.standard_normal((FN, shape[1], fh, fw)), \
        rng.standard_normal(FN)
    layer = Convolution(W, b, stride, pad)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    out_t = torch.nn.functional.conv2d(xt, Wt, bt, stride=stride, padding=pad)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=TORCH_TOLERANCE)
    for ours, theirs in ((dx, xt), (layer.dW, Wt), (layer.db, bt)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=0, atol=TORCH_TOLERANCE)


@settings(max_examples=15)
@given(geometries(max_filter=3), seeds)
def test_pooling_gradient_equals_torch_autograd(geometry, seed):
    torch = torch_or_skip()
    shape, (ph, pw), stride, pad = geometry
    assume(2 * pad <= min(ph, pw))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    layer = Pooling(ph, pw, stride, pad)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch.nn.functional.max_pool2d(xt, (ph, pw), stride, pad)
    out_t.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=TORCH_TOLERANCE)


@pytest.mark.parametrize("seed", range(3))
def test_simple_conv_net_gradients_equal_torch_autograd(seed):
    torch = torch_or_skip()
    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    net = SimpleConvNet(conv_param={"filter_num": 4, "filter_size": 5}, hidden_size=8,
                        weight_init_std=0.1, rng=seed)
    x, t = rng.random((3, 1, 28, 28)), rng.integers(0, 10, 3)
    grads, loss = net.gradient(x, t), net.loss(x, t)
    p = {key: torch.tensor(value, requires_grad=True) for key, value in net.params.items()}
    h = F.max_pool2d(F.relu(F.conv2d(torch.tensor(x), p["W1"], p["b1"])), 2, 2)
    h = F.relu(h.reshape(len(x), -1) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
    loss_t = F.cross_entropy(h, torch.tensor(t))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), abs=TORCH_TOLERANCE)
    for key in grads:
        np.testing.assert_allclose(grads[key], p[key].grad.numpy(), rtol=0,
                                   atol=TORCH_TOLERANCE, err_msg=key)
