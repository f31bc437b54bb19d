"""The shipped pretrained weights (the MLP and the CNN): their accuracy on the official test set,
their file format, the commands that made them, and ``dlnotes classify`` on real digit images."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from dlnotes import cli, train_cnn
from dlnotes.conv import ConvNet
from dlnotes.digit_image import load_digit, prepare_digit
from dlnotes.mnist import DownloadError, load_mnist_test
from dlnotes.nets import MultiLayerNet
from dlnotes.pretrained import MODELS, WEIGHTS, load_pretrained, load_weights

BOOK_ACCURACY = 0.9352  # what the book's own sample weights reach on the same 10,000 images
SHIPPED = ROOT / "src" / "dlnotes" / "data" / WEIGHTS


@pytest.fixture(scope="module")
def official_test_set():
    """The official test set as dlnotes' loader gets it: $DLNOTES_DATA_DIR, else the verified cache
    (downloaded first, from $DLNOTES_MNIST_MIRRORS or the public mirrors)."""
    try:
        return load_mnist_test(verbose=False)  # (10000, 784) float32 in [0, 1], int64 labels
    except DownloadError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the official MNIST test set and could not download it: {err}")
        pytest.skip("the official MNIST test set is not here and no mirror answered: set "
                    "DLNOTES_DATA_DIR to a folder with the two t10k-* files, or DLNOTES_MNIST_MIRRORS")


@pytest.fixture(scope="module")
def model():
    return load_pretrained()


def test_accuracy_on_the_official_test_set_beats_the_books_weights(model, official_test_set):
    x, t = official_test_set
    y = model.predict(x)
    accuracy = float(np.mean(y.argmax(axis=1) == t))
    print(f"pretrained accuracy on the official test set: {accuracy:.4f}")
    assert accuracy >= BOOK_ACCURACY
    assert accuracy == pytest.approx(model.config["official_test_accuracy"], abs=1e-9)  # the recorded figure


def test_predict_returns_probabilities(model, official_test_set):
    x, _ = official_test_set
    y = model.predict(x[:50])
    assert y.shape == (50, 10) and np.allclose(y.sum(axis=1), 1) and np.all(y >= 0)
    np.testing.assert_allclose(model.predict(x[7]), y[7], rtol=1e-5, atol=1e-9)  # float32  # one image (784,) -> (10,)


@pytest.mark.parametrize("bad, message", [
    (np.full((2, 784), 255.0), r"scaled to \[0, 1\].*x / 255"),
    (np.zeros((2, 28, 28)), r"\(N, 784\).*reshape"),
    (np.zeros((2, 100)), r"\(N, 784\)"),
    (np.full((1, 784), np.nan), "NaN"),
])
def test_predict_rejects_bad_input_with_a_clear_message(model, bad, message):
    with pytest.raises(ValueError, match=message):
        model.predict(bad)


def test_weights_file_is_plain_arrays_with_its_recipe():
    with np.load(SHIPPED, allow_pickle=False) as data:  # would raise on any object array
        keys = set(data.files)
        config = json.loads(str(data["config"]))
    assert keys == {"config"} | {f"{p}{i}" for i in range(1, len(config["hidden"]) + 2) for p in "Wb"}
    with zipfile.ZipFile(SHIPPED) as z:
        assert all(name.endswith(".npy") for name in z.namelist())
    assert config["command"].startswith("python -m dlnotes.train") and "seed" in config
    assert "training images" in config["source"] or "training" in config["source"]


def test_train_command_is_reproducible_and_its_output_loads(tmp_path):
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        result = subprocess.run([sys.executable, "-m", "dlnotes.train", "--out", str(out), "--source", "sample",
                                 "--epochs", "1", "--hidden", "16", "--seed", "7"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    net_a, config = load_weights(outs[0])
    net_b, _ = load_weights(outs[1])
    for key in net_a.params:
        np.testing.assert_array_equal(net_a.params[key], net_b.params[key])
    assert config["seed"] == 7 and config["training_images"] == 4000 and config["hidden"] == [16]
    assert load_pretrained(outs[0]).predict(np.zeros((3, 784))).shape == (3, 10)


# ---- dlnotes classify --------------------------------------------------------------------------

def save_png(path, digit, size, dark_on_light, mode="L"):
    pixels = (digit.reshape(28, 28) * 255).astype(np.uint8)
    if dark_on_light:
        pixels = 255 - pixels
    Image.fromarray(pixels).resize((size, size), Image.BILINEAR).convert(mode).save(path)
    return path


def test_prepare_digit_is_close_to_the_mnist_original(official_test_set):
    x, _ = official_test_set
    for i in range(5):
        again = prepare_digit(x[i].reshape(28, 28))
        assert np.corrcoef(again, x[i])[0, 1] > 0.8  # re-cropped and re-centred, the same digit


def test_classify_reads_pngs_of_any_size_and_polarity(tmp_path, official_test_set, capsys):
    x, t = official_test_set
    paths, labels = [], []
    for i in range(20):
        for size, dark_on_light, mode in ((28, False, "L"), (200, True, "RGB"), (97, True, "L")):
            paths.append(save_png(tmp_path / f"{i}-{size}.png", x[i], size, dark_on_light, mode))
            labels.append(t[i])
    assert cli.main(["classify", *map(str, paths)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    predicted = [int(line.split(": ")[1].split(" ")[0]) for line in lines]
    assert len(predicted) == 60
    assert np.mean(np.array(predicted) == np.array(labels)) >= 0.9


def test_classify_reports_bad_files_and_keeps_going(tmp_path, capsys, official_test_set):
    x, _ = official_test_set
    not_image = tmp_path / "notes.png"
    not_image.write_text("not a picture")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    good = save_png(tmp_path / "good.png", x[0], 56, True)
    assert cli.main(["classify", str(not_image), str(blank), str(good), str(tmp_path / "missing.png")]) == 1
    captured = capsys.readouterr()
    assert "not an image file" in captured.err and "one flat colour" in captured.err
    assert "no such image file" in captured.err and "good.png: " in captured.out


def test_load_digit_handles_transparent_drawings(tmp_path, official_test_set):
    x, _ = official_test_set
    stroke = (x[0].reshape(28, 28) * 255).astype(np.uint8)
    rgba = np.zeros((28, 28, 4), dtype=np.uint8)
    rgba[..., 3] = stroke  # black ink, drawn on a transparent canvas
    Image.fromarray(rgba, "RGBA").resize((140, 140)).save(tmp_path / "ink.png")
    assert np.corrcoef(load_digit(tmp_path / "ink.png"), x[0])[0, 1] > 0.8


# ---- the shipped CNN: load_pretrained("cnn") ---------------------------------------------------

CNN_TARGET = 0.98  # issue 9: the CNN trained on the 4,000 sample images reaches 98 %
CNN_FILE = ROOT / "src" / "dlnotes" / "data" / MODELS["cnn"]


@pytest.fixture(scope="module")
def cnn():
    return load_pretrained("cnn")


def test_cnn_accuracy_on_the_official_test_set(cnn, model, official_test_set):
    x, t = official_test_set
    accuracy = float(np.mean(cnn.predict(x).argmax(axis=1) == t))
    mlp_accuracy = float(np.mean(model.predict(x).argmax(axis=1) == t))
    print(f"CNN accuracy on the official test set: {accuracy:.4f} (MLP {mlp_accuracy:.4f})")
    assert accuracy >= CNN_TARGET
    assert accuracy > mlp_accuracy  # convolutions beat the MLP on the same 4,000 images
    assert accuracy == pytest.approx(cnn.config["official_test_accuracy"], abs=1e-9)


def test_cnn_predict_takes_rows_or_images_one_or_many(cnn, official_test_set):
    x, _ = official_test_set
    rows = x[:5]
    y = cnn.predict(rows)
    assert y.shape == (5, 10) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(cnn.predict(rows.reshape(5, 1, 28, 28)), y, rtol=1e-6)
    for one in (rows[2], rows[2].reshape(28, 28), rows[2].reshape(1, 28, 28)):
        np.testing.assert_allclose(cnn.predict(one), y[2], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model_predict_images(cnn, rows), y, rtol=1e-6)


def model_predict_images(model, rows):
    """The CNN's probabilities straight from its network, as a reference for predict."""
    scores = model.net.predict(rows.reshape(-1, 1, 28, 28))
    scores = scores - scores.max(axis=1, keepdims=True)
    return np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("bad, message", [
    (np.full((2, 1, 28, 28), 255.0), r"scaled to \[0, 1\].*x / 255"),
    (np.zeros((2, 28, 28)), r"\(N, 784\) or \(N, 1, 28, 28\).*reshape"),
    (np.zeros((2, 3, 28, 28)), r"got shape \(2, 3, 28, 28\)"),
    (np.full((1, 1, 28, 28), np.inf), r"scaled to \[0, 1\]"),
    (np.full((1, 784), np.nan), "NaN"),
])
def test_cnn_predict_rejects_bad_input_with_a_clear_message(cnn, bad, message):
    with pytest.raises(ValueError, match=message):
        cnn.predict(bad)


def test_load_pretrained_names_the_models():
    assert isinstance(load_pretrained("mlp").net, MultiLayerNet)
    assert load_pretrained().config == load_pretrained("mlp").config  # the default: the MLP
    with pytest.raises(ValueError, match=r"'mlp', 'cnn' or the path"):
        load_pretrained("rnn")


def test_cnn_file_is_small_plain_float32_arrays_with_its_recipe():
    assert CNN_FILE.stat().st_size <= 2_000_000
    with np.load(CNN_FILE, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        arrays = {key: data[key] for key in data.files if key != "config"}
    assert all(value.dtype == np.float32 for value in arrays.values())
    assert config["command"].startswith("python -m dlnotes.train_cnn")
    assert config["training_images"] == 4000 and "seed" in config
    assert "4,000 train" in config["source"]
    net = ConvNet(config["architecture"], config["input_dim"])
    assert {key: value.shape for key, value in arrays.items()} == \
        {key: value.shape for key, value in net.params.items()}


def test_train_cnn_is_reproducible_and_its_output_loads(tmp_path):
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        assert train_cnn.main(["--out", str(out), "--epochs", "1", "--arch",
                               "conv2x5,relu,pool4,affine10", "--rotate", "10",
                               "--scale", "0.1", "--seed", "3"]) == 0
    net_a, config = load_weights(outs[0])
    net_b, _ = load_weights(outs[1])
    for key in net_a.params:
        np.testing.assert_array_equal(net_a.params[key], net_b.params[key])
    assert config["seed"] == 3 and config["training_images"] == 4000
    assert config["architecture"] == [["conv", 2, 5], ["relu"], ["pool", 4], ["affine", 10]]
    assert load_pretrained(outs[0]).predict(np.zeros((3, 784))).shape == (3, 10)
    with pytest.raises(ValueError, match="bad layer 'tanh'"):
        train_cnn.parse_architecture("conv4,tanh")


def test_random_warp_moves_pixels_as_asked():
    rng = np.random.default_rng(0)
    x = rng.random((6, 1, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(train_cnn.random_warp(x, rng, 0, 0, 0), x)  # identity
    dot = np.zeros((1, 784), np.float32)
    dot[0, 10 * 28 + 12] = 1
    rotated = train_cnn.random_warp(dot, np.random.default_rng(1), 0, 90, 0).reshape(28, 28)
    assert rotated.dtype == np.float32 and rotated.sum() == pytest.approx(1, abs=0.02)
    r, c = np.unravel_index(rotated.argmax(), (28, 28))
    # rotation about the centre (13.5, 13.5) keeps the distance from it
    assert np.hypot(r - 13.5, c - 13.5) == pytest.approx(np.hypot(10 - 13.5, 12 - 13.5), abs=1)


def test_classify_with_the_cnn(tmp_path, official_test_set, capsys):
    x, t = official_test_set
    paths = [save_png(tmp_path / f"{i}.png", x[i], 120, True) for i in range(20)]
    assert cli.main(["classify", "--model", "cnn", *map(str, paths)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    predicted = [int(line.split(": ")[1].split(" ")[0]) for line in lines]
    assert len(predicted) == 20 and np.mean(np.array(predicted) == t[:20]) >= 0.9


def test_lesson_11s_claims_about_the_cnn_and_the_mlp(cnn, model):
    # Lesson 11: on the sample's 1,000 held-out images the CNN gets fewer wrong and the two
    # mostly go wrong on different images; on the official set it makes about half the MLP's
    # mistakes with about half as many weights.
    from dlnotes.mnist import load_mnist

    _, (x, t) = load_mnist(source="sample", verbose=False)
    cnn_wrong = cnn.predict(x).argmax(axis=1) != t
    mlp_wrong = model.predict(x).argmax(axis=1) != t
    assert cnn_wrong.sum() < mlp_wrong.sum()
    assert (cnn_wrong & mlp_wrong).sum() < 0.5 * cnn_wrong.sum()
    cnn_errors = 1 - cnn.config["official_test_accuracy"]
    mlp_errors = 1 - model.config["official_test_accuracy"]
    assert 0.35 < cnn_errors / mlp_errors < 0.65
    cnn_weights = sum(p.size for p in cnn.net.params.values())
    mlp_weights = sum(p.size for p in model.net.params.values())
    assert 0.35 < cnn_weights / mlp_weights < 0.65
