"""Batch normalization: dlnotes.layers.BatchNormalization and MultiLayerNet(use_batchnorm=True).

The backward pass is checked against the numerical gradient and against PyTorch's
``torch.nn.functional.batch_norm`` autograd (training mode, float64, 1e-10); the statistics
against closed forms: per-feature mean 0 and variance var / (var + eps) before scale and shift,
running averages that converge to the data's mean and variance, and test mode using them.
"""


import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import torch_or_skip
from dlnotes.gradient import numerical_gradient
from dlnotes.layers import BatchNormalization, Relu
from dlnotes.nets import MultiLayerNet
from dlnotes.properties import relative_error

MAX_REL_ERROR = 1e-6
EPS = 1e-6  # the layer's default, as in the book (10e-7)
seeds = st.integers(0, 2**32 - 1)


def make_layer(rng, d):
    return BatchNormalization(rng.uniform(0.5, 2.0, d), rng.standard_normal(d))


# ---- gradients ---------------------------------------------------------------------------------

# N >= 3: with two samples every output is +-1 (times gamma, plus beta) whatever x is, the
# gradient of x is ~0 and the check compares rounding noise (torch checks N = 2 below).
@given(st.integers(3, 8), st.integers(1, 5), seeds, st.booleans())
def test_backward_equals_the_numerical_gradient(n, d, seed, images):
    rng = np.random.default_rng(seed)
    shape = (n, d, 2, 3) if images else (n, d)  # images: normalized per (C, H, W) value
    features = int(np.prod(shape[1:]))
    layer = make_layer(rng, features)
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3.0) + rng.uniform(-2, 2)
    # A feature whose samples almost coincide is normalized by a tiny std: the function
    # curves so sharply there that central differences (h = 1e-5) lose their accuracy.
    assume(x.reshape(n, -1).std(axis=0).min() > 0.1)
    dout = rng.standard_normal(shape)
    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape

    def loss_of(x_, gamma, beta):
        return np.sum(BatchNormalization(gamma, beta).forward(x_) * dout)

    gamma, beta = layer.gamma.copy(), layer.beta.copy()
    num_dx = numerical_gradient(lambda v: loss_of(v, gamma, beta), x.copy(), h=1e-5)
    num_dgamma = numerical_gradient(lambda g: loss_of(x, g, beta), gamma.copy(), h=1e-5)
    num_dbeta = numerical_gradient(lambda b: loss_of(x, gamma, b), beta.copy(), h=1e-5)
    assert relative_error(dx, num_dx) < MAX_REL_ERROR
    assert relative_error(layer.dgamma, num_dgamma) < MAX_REL_ERROR
    assert relative_error(layer.dbeta, num_dbeta) < MAX_REL_ERROR


@pytest.mark.parametrize("shape", [(8, 5), (2, 3), (16, 1), (4, 3, 2, 2)])
def test_forward_and_gradients_agree_with_torch_batch_norm(shape):
    torch = torch_or_skip()
    rng = np.random.default_rng(sum(shape))
    features = int(np.prod(shape[1:]))
    layer = make_layer(rng, features)
    x = rng.standard_normal(shape) * 3.0 + 1.5
    dout = rng.standard_normal(shape)

    xt = torch.tensor(x.reshape(shape[0], -1), requires_grad=True)
    gt = torch.tensor(layer.gamma, requires_grad=True)
    bt = torch.tensor(layer.beta, requires_grad=True)
    out_t = torch.nn.functional.batch_norm(xt, None, None, weight=gt, bias=bt,
                                           training=True, eps=EPS)
    (out_t * torch.tensor(dout.reshape(shape[0], -1))).sum().backward()

    out = layer.forward(x)
    dx = layer.backward(dout)
    opts = {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out.reshape(shape[0], -1), out_t.detach().numpy(), **opts)
    np.testing.assert_allclose(dx.reshape(shape[0], -1), xt.grad.numpy(), **opts, err_msg="dx")
    np.testing.assert_allclose(layer.dgamma, gt.grad.numpy(), **opts, err_msg="dgamma")
    np.testing.assert_allclose(layer.dbeta, bt.grad.numpy(), **opts, err_msg="dbeta")


def well_conditioned(net, x, margin=1e-3, min_std=0.1):
    """True if no ReLU input is within margin of 0 (where central differences straddle the
    kink) and every feature entering a BatchNormalization varies over the batch (a nearly
    constant one is divided by a tiny std and curves too sharply for h = 1e-4)."""
    h = x
    for layer, following in zip(net.layers, net.layers[1:] + [None]):
        h = layer.forward(h)
        if isinstance(following, Relu) and np.min(np.abs(h)) < margin:
            return False
        if isinstance(following, BatchNormalization) and h.std(axis=0).min() < min_std:
            return False
    return True


@settings(max_examples=30)
@given(st.lists(st.integers(2, 5), min_size=1, max_size=3), st.sampled_from(["relu", "sigmoid"]),
       st.sampled_from([0.0, 0.1]), st.integers(3, 6), seeds)
def test_multi_layer_net_with_batchnorm_backprop_equals_numerical_gradient(
        hidden, activation, decay, n, seed):
    rng = np.random.default_rng(seed)
    net = MultiLayerNet(4, hidden, 3, activation=activation, weight_decay_lambda=decay,
                        use_batchnorm=True, rng=seed)
    x, t = rng.standard_normal((n, 4)), rng.integers(0, 3, n)
    assume(well_conditioned(net, x))
    before = {i: (layer.running_mean, layer.running_var) for i, layer in enumerate(net.layers)
              if isinstance(layer, BatchNormalization)}
    numeric = net.numerical_gradient(x, t)
    for i, (mean, var) in before.items():  # the check leaves the running statistics alone
        assert net.layers[i].running_mean is mean and net.layers[i].running_var is var
    grads = net.gradient(x, t)
    expected = {f"{p}{i}" for i in range(1, len(hidden) + 2) for p in "Wb"}
    expected |= {f"{p}{i}" for i in range(1, len(hidden) + 1) for p in ("gamma", "beta")}
    assert set(grads) == set(numeric) == set(net.params) == expected
    for key in grads:
        assert grads[key].shape == net.params[key].shape
        assert relative_error(grads[key], numeric[key]) < MAX_REL_ERROR, key


def test_the_net_orders_affine_batchnorm_activation_and_shares_gamma_beta():
    net = MultiLayerNet(6, [5, 4], 3, use_batchnorm=True, dropout_ratio=0.2, rng=0)
    names = [type(layer).__name__ for layer in net.layers]
    assert names == ["Affine", "BatchNormalization", "Relu", "Dropout",
                     "Affine", "BatchNormalization", "Relu", "Dropout", "Affine"]
    norms = [layer for layer in net.layers if isinstance(layer, BatchNormalization)]
    for i, layer in enumerate(norms, start=1):  # the optimizer's in-place update reaches them
        assert layer.gamma is net.params[f"gamma{i}"] and layer.beta is net.params[f"beta{i}"]
    assert "gamma1" not in MultiLayerNet(6, [5], 3, rng=0).params


# ---- statistics ----------------------------------------------------------------------------------

batches = st.integers(2, 30).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda d: hnp.arrays(np.float64, (n, d), elements=st.floats(-1e3, 1e3, allow_subnormal=False))))


@given(batches)
def test_each_feature_has_mean_0_and_variance_1_before_scale_and_shift(x):
    var = x.var(axis=0)
    assume(np.all(var > 1e-3) or np.all(var == 0))
    d = x.shape[1]
    layer = BatchNormalization(np.ones(d), np.zeros(d))
    x_hat = layer.forward(x)
    scale = np.sqrt(var + EPS)
    # closed forms: mean 0; variance var / (var + eps), which is 1 up to eps
    np.testing.assert_allclose(x_hat.mean(axis=0), 0, atol=1e-9 * (1 + np.abs(x).max() / scale.min()))
    np.testing.assert_allclose(x_hat.var(axis=0), var / (var + EPS), rtol=1e-9, atol=1e-12)
    # and gamma, beta scale and shift exactly that
    gamma, beta = np.arange(1.0, d + 1), np.linspace(-1, 1, d)
    y = BatchNormalization(gamma, beta).forward(x)
    np.testing.assert_allclose(y, gamma * x_hat + beta, rtol=1e-12, atol=1e-12)


@given(seeds, st.integers(1, 6))
def test_running_statistics_converge_to_the_datas_statistics(seed, d):
    rng = np.random.default_rng(seed)
    mu, sigma = rng.uniform(-5, 5, d), rng.uniform(0.5, 3, d)
    layer = BatchNormalization(np.ones(d), np.zeros(d))
    for _ in range(200):  # 0.9**200 ~ 7e-10: the starting values are forgotten
        layer.forward(mu + sigma * rng.standard_normal((500, d)))
    # each batch's mean is off by about sigma / sqrt(500); the average of ~10 batches less
    np.testing.assert_allclose(layer.running_mean, mu, atol=0.05 * sigma.max())
    np.testing.assert_allclose(layer.running_var, sigma**2, rtol=0.06)


def test_test_mode_uses_the_running_statistics():
    rng = np.random.default_rng(0)
    mu, sigma = np.array([2.0, -1.0, 0.0]), np.array([1.0, 3.0, 0.5])
    gamma, beta = np.array([2.0, 0.5, 1.0]), np.array([0.0, 1.0, -1.0])
    layer = BatchNormalization(gamma, beta)
    for _ in range(100):
        layer.forward(mu + sigma * rng.standard_normal((200, 3)))
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    shifted = mu + 5.0 + sigma * rng.standard_normal((200, 3))  # a batch unlike the training data

    test_out = layer.forward(shifted, train_flg=False)
    np.testing.assert_allclose(test_out, gamma * (shifted - mean) / np.sqrt(var + EPS) + beta,
                               rtol=1e-12)
    assert np.array_equal(layer.running_mean, mean) and np.array_equal(layer.running_var, var)
    # the test-mode output keeps the shift (5 / sigma standard deviations, times gamma) ...
    np.testing.assert_allclose(test_out.mean(axis=0), beta + gamma * 5.0 / sigma, rtol=0.1)
    # ... which training mode, normalizing by the batch's own mean, removes
    train_out = layer.forward(shifted, train_flg=True)
    np.testing.assert_allclose(train_out.mean(axis=0), beta, atol=1e-9)
    assert np.all(np.abs(test_out.mean(axis=0) - train_out.mean(axis=0)) > gamma * 4.0 / sigma)


def test_a_net_with_batchnorm_predicts_with_the_running_statistics():
    rng = np.random.default_rng(0)
    net = MultiLayerNet(4, [6], 3, use_batchnorm=True, rng=0)
    x = rng.standard_normal((20, 4))
    # one sample at test time is fine (no batch statistics); its scores do not depend on the rest
    np.testing.assert_allclose(net.predict(x[:1]), net.predict(x)[:1], rtol=1e-12)
    train_scores = net.predict(x, train_flg=True)
    assert not np.allclose(train_scores, net.predict(x))  # running stats are still near 0 and 1


# ---- contract: dtype, no mutation, clear errors ----------------------------------------------

def test_float32_stays_float32_and_inputs_are_not_modified():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    dout = rng.standard_normal((5, 4)).astype(np.float32)
    layer = BatchNormalization(np.ones(4, np.float32), np.zeros(4, np.float32))
    xc, dc = x.copy(), dout.copy()
    assert layer.forward(xc).dtype == np.float32
    assert layer.backward(dc).dtype == np.float32
    assert layer.dgamma.dtype == layer.dbeta.dtype == layer.running_var.dtype == np.float32
    assert layer.forward(xc, train_flg=False).dtype == np.float32
    assert np.array_equal(xc, x) and np.array_equal(dc, dout)
    net = MultiLayerNet(4, [3], 2, use_batchnorm=True, dtype=np.float32, rng=0)
    assert all(g.dtype == np.float32 for g in net.gradient(x, [0, 1, 0, 1, 1]).values())


def test_bad_arguments_raise_clear_errors():
    ones, zeros = np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match="gamma and beta"):
        BatchNormalization(ones, np.zeros(4))
    with pytest.raises(ValueError, match="gamma and beta"):
        BatchNormalization(np.ones((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(ones, zeros, momentum=1.0)
    with pytest.raises(ValueError, match="running_var"):
        BatchNormalization(ones, zeros, running_var=np.ones(2))
    with pytest.raises(ValueError, match="NaN"):
        BatchNormalization([1.0, np.nan, 1.0], zeros)
    layer = BatchNormalization(ones, zeros)
    with pytest.raises(ValueError, match="4 features"):
        layer.forward(np.ones((5, 4)))
    with pytest.raises(ValueError, match="batch"):
        layer.forward(np.ones(3))
    with pytest.raises(ValueError, match="2 or more"):
        layer.forward(np.ones((1, 3)))
    assert layer.forward(np.ones((1, 3)), train_flg=False).shape == (1, 3)
