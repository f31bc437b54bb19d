"""Optimizers reduce a convex loss; training a small net on real MNIST images really learns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnotes.mnist import load_mnist
from dlnotes.nets import MultiLayerNet, TwoLayerNet
from dlnotes.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from dlnotes.trainer import Trainer, random_shift

SETTINGS = {"sgd": {"lr": 0.1}, "momentum": {"lr": 0.05}, "adagrad": {"lr": 0.5},
            "rmsprop": {"lr": 0.05}, "adam": {"lr": 0.1}}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@settings(max_examples=25)
@given(center=st.lists(st.floats(-5, 5), min_size=3, max_size=3), scales=st.lists(st.floats(0.5, 3), min_size=3, max_size=3))
def test_each_optimizer_reduces_a_convex_loss(name, center, scales):
    # f(W) = sum(scales * (W - center)^2), minimum 0 at W = center; gradient written by hand.
    center, scales = np.array(center), np.array(scales)
    params = {"W": np.zeros(3)}
    f = lambda W: float(np.sum(scales * (W - center) ** 2))  # noqa: E731
    start = f(params["W"])
    optimizer = make_optimizer(name, **SETTINGS[name])
    for _ in range(300):
        optimizer.update(params, {"W": 2 * scales * (params["W"] - center)})
    assert f(params["W"]) <= 0.05 * start + 1e-6


def test_update_changes_params_in_place_and_not_grads():
    W = np.ones(3)
    params, grads = {"W": W}, {"W": np.full(3, 2.0)}
    SGD(lr=0.5).update(params, grads)
    assert params["W"] is W and np.array_equal(W, [0, 0, 0]) and np.array_equal(grads["W"], [2, 2, 2])


def test_adam_first_step_moves_each_weight_by_lr():
    # With bias correction, Adam's first step is lr * g / |g| = lr * sign(g) for every weight.
    params = {"W": np.zeros(4)}
    Adam(lr=0.01).update(params, {"W": np.array([3.0, -0.001, 50.0, -7.0])})
    np.testing.assert_allclose(params["W"], [-0.01, 0.01, -0.01, 0.01], rtol=1e-4)  # eps=1e-8 vs |g|


def test_unknown_optimizer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        make_optimizer("adamw")


@pytest.fixture(scope="module")
def sample():
    return load_mnist(source="sample", verbose=False)


def test_training_on_the_sample_beats_chance_by_far(sample):
    (x, t), (x_test, t_test) = sample
    net = TwoLayerNet(784, 50, 10, rng=0)
    chance = net.accuracy(x_test, t_test)
    trainer = Trainer(net, x, t, x_test, t_test, epochs=10, batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": 0.5}, rng=0, verbose=False)
    history = trainer.train()  # 10 epochs of 40 iterations: 400 steps
    assert chance < 0.2
    assert history["test_acc"][-1] > 0.85  # ten classes: chance is 0.1
    assert np.mean(history["train_loss"][-40:]) < 0.5 * np.mean(history["train_loss"][:40])
    assert len(history["test_acc"]) == len(history["test_loss"]) == 10


def test_training_is_reproducible_with_a_seed(sample):
    (x, t), (x_test, t_test) = sample
    runs = []
    for _ in range(2):
        net = MultiLayerNet(784, [20], 10, dropout_ratio=0.2, rng=3)
        Trainer(net, x[:500], t[:500], x_test[:100], t_test[:100], epochs=2, optimizer="adam",
                augment=random_shift, rng=4, verbose=False).train()
        runs.append(net.params["W1"].copy())
    np.testing.assert_array_equal(*runs)


def test_random_shift_moves_pixels_without_changing_them(sample):
    (x, _), _ = sample
    rng = np.random.default_rng(0)
    shifted = random_shift(x[:50], rng, max_shift=2)
    assert shifted.shape == x[:50].shape and not np.array_equal(shifted, x[:50])
    # Shifting only moves (or drops at the border) pixels: the ink can only stay or shrink.
    assert np.all(shifted.sum(axis=1) <= x[:50].sum(axis=1) + 1e-3)
    assert np.array_equal(random_shift(x[:5], rng, max_shift=0), x[:5])
