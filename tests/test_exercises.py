"""Tests of dlnotes.exercises.check: the properties of dlnotes.properties, on a learner's code.

The package's own implementations pass every property; versions with the mistakes the lessons
warn about fail exactly the property that describes the mistake, with the shrunk counterexample
the lessons quote; check never raises for a wrong function, leaks no warning, writes no
Hypothesis database and prints the same report every time.
"""

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import load_hook
from dlnotes.activations import relu, sigmoid, softmax, step_function
from dlnotes.conv import im2col
from dlnotes.exercises import CheckResult, check, known_names, language
from dlnotes.gradient import numerical_gradient
from dlnotes.layers import Affine, SoftmaxWithLoss
from dlnotes.losses import cross_entropy_error
from dlnotes.properties import PROPERTIES

ROOT = Path(__file__).resolve().parents[1]

PACKAGE = {"step_function": step_function, "sigmoid": sigmoid, "relu": relu, "softmax": softmax,
           "cross_entropy_error": cross_entropy_error, "numerical_gradient": numerical_gradient,
           "Affine": Affine, "SoftmaxWithLoss": SoftmaxWithLoss, "im2col": im2col}


# ---- the mistakes the lessons show --------------------------------------------------------------

def softmax_naive(a):  # lesson 3
    exp_a = np.exp(a)
    return exp_a / np.sum(exp_a)


def sigmoid_textbook(x):  # lesson 2
    return 1 / (1 + np.exp(-x))


def step_function_bool(x):
    return x > 0


def relu_in_place(x):
    x[x < 0] = 0
    return x


def cross_entropy_naive(y, t):  # lesson 4: no delta, no floor
    return -np.sum(t * np.log(y))


def numerical_gradient_forward(f, x, h=1e-4):  # lesson 8: forward difference
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        fx = f(x)
        x[idx] = original + h
        grad[idx] = (f(x) - fx) / h
        x[idx] = original
    return grad


def numerical_gradient_not_restoring(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = f(x)
        x[idx] = original - h
        grad[idx] = (f_plus - f(x)) / (2 * h)  # x[idx] is left at original - h
    return grad


class AffineForgettingDb:  # the book's Affine, without db
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        return dout @ self.W.T


class SoftmaxWithLossNotAveraged(SoftmaxWithLoss):
    def backward(self, dout=1):
        return dout * (self.y - self.t)  # forgot / N


def im2col_wrong_order(input_data, filter_h, filter_w, stride=1, pad=0):
    """The book's im2col with FH and FW swapped in the final transpose."""
    N, C, H, W = input_data.shape
    out_h, out_w = (H + 2 * pad - filter_h) // stride + 1, (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for y in range(filter_h):
        for x in range(filter_w):
            col[:, :, y, x] = img[:, :, y:y + stride * out_h:stride, x:x + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 3, 2).reshape(N * out_h * out_w, -1)


def failed_ids(result):
    return [f.id for f in result.failures]


# ---- the package passes -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PACKAGE))
def test_the_package_passes_every_property(name, capsys):
    result = check(name, PACKAGE[name], lang="en")
    out = capsys.readouterr().out
    assert result and isinstance(result, CheckResult)
    assert result.passed == [p.id for p in PROPERTIES[name]] and result.failures == []
    lines = out.splitlines()
    assert len(lines) == len(PROPERTIES[name]) + 1  # one per property, and the summary
    assert all(line.startswith("✓ ") for line in lines[:-1])
    assert lines[-1] == f"{name}: {len(lines) - 1} of {len(lines) - 1} properties passed"


def test_every_required_name_is_known():
    assert set(PACKAGE) <= set(known_names())
    assert set(PROPERTIES) == set(known_names())


# ---- each mistake fails the property that names it ----------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", ["✗ no overflow", "counterexample: x = [710.0]", "overflow encountered in exp",
            "03-softmax/#max-shift"]),
    ("ko", ["✗ 오버플로 없음", "반례: x = [710.0]", "overflow encountered in exp",
            "03-softmax/#max-shift", "힌트:"]),
])
def test_the_naive_softmax_overflows_at_710(lang, words, capsys):
    result = check("softmax", softmax_naive, lang=lang)
    out = capsys.readouterr().out
    assert not result
    assert "no_overflow" in failed_ids(result)
    for word in words:
        assert word in out
    failure = next(f for f in result.failures if f.id == "no_overflow")
    assert failure.counterexample == "x = [710.0]" and failure.section == "03-softmax/#max-shift"
    assert "order" in result.passed and "shape_and_dtype" in result.passed


def test_the_textbook_sigmoid_overflows_at_minus_710(capsys):
    result = check("sigmoid", sigmoid_textbook, lang="en")
    assert failed_ids(result) == ["no_overflow"]
    failure = result.failures[0]
    assert failure.counterexample == "x = [-710.0]"
    assert "overflow encountered in exp" in failure.problem
    assert failure.section == "02-activations/#sigmoid-overflow"


def test_a_step_function_returning_booleans_fails_the_dtype(capsys):
    result = check("step_function", step_function_bool, lang="en")
    assert failed_ids(result) == ["shape_and_dtype"]
    assert "dtype bool" in result.failures[0].problem


def test_a_relu_that_writes_into_x_fails(capsys):
    result = check("relu", relu_in_place, lang="en")
    assert failed_ids(result) == ["input_unchanged"]
    assert result.failures[0].counterexample == "x = [-1.0]"


def test_cross_entropy_without_a_floor_is_not_finite(capsys):
    result = check("cross_entropy_error", cross_entropy_naive, lang="en")
    assert "finite" in failed_ids(result) and "minus_log_p" in failed_ids(result)
    failure = next(f for f in result.failures if f.id == "finite")
    assert failure.counterexample == "y = [1.0, 0.0], t = [1.0, 0.0]"
    assert "divide by zero encountered in log" in failure.problem
    assert failure.section == "04-output-and-loss/#probability-zero"


def test_a_forward_difference_is_not_accurate_enough(capsys):
    result = check("numerical_gradient", numerical_gradient_forward, lang="en")
    assert "accurate" in failed_ids(result) and "restores_x" in result.passed
    failure = next(f for f in result.failures if f.id == "accurate")
    assert failure.counterexample == "x = [0.0]" and "[0.0001]" in failure.problem


def test_a_gradient_that_does_not_restore_x_fails(capsys):
    result = check("numerical_gradient", numerical_gradient_not_restoring, lang="en")
    assert "restores_x" in failed_ids(result) and "accurate" in result.passed


def test_an_affine_that_forgets_db_fails_only_db(capsys):
    result = check("Affine", AffineForgettingDb, lang="en")
    assert failed_ids(result) == ["backward_db", "images"]  # the book's Affine also reshapes images
    assert "db is None" in result.failures[0].problem
    assert result.failures[0].counterexample.startswith("x = [[")


def test_softmax_with_loss_must_divide_by_the_batch_size(capsys):
    result = check("SoftmaxWithLoss", SoftmaxWithLossNotAveraged, lang="en")
    assert failed_ids(result) == ["backward"]


def test_im2col_in_the_wrong_order_fails_the_definition(capsys):
    result = check("im2col", im2col_wrong_order, lang="en")
    assert failed_ids(result) == ["definition"]
    failure = result.failures[0]
    assert failure.counterexample == ("x = [[[[0.0, 1.0], [2.0, 3.0]]]], filter_h = 2, "
                                      "filter_w = 2, stride = 1, pad = 0")
    assert "got [[0.0, 2.0, 1.0, 3.0]], expected [[0.0, 1.0, 2.0, 3.0]]" in failure.problem


# ---- check never raises for a wrong function ----------------------------------------------------

def test_a_function_that_raises_fails_every_property_with_its_message(capsys):
    def broken(x):
        raise ZeroDivisionError("my bug")

    result = check("softmax", broken, lang="en")
    assert not result and len(result.failures) == len(PROPERTIES["softmax"])
    assert all(f.problem == "softmax raised ZeroDivisionError: my bug" for f in result.failures)


def test_a_method_that_raises_is_named(capsys):
    class Broken(Affine):
        def backward(self, dout):
            raise ValueError("not yet")

    result = check("Affine", Broken, lang="ko")
    assert result.passed == ["forward"]
    assert result.failures[0].problem == "Broken.backward에서 예외가 발생했습니다: ValueError: not yet"


def test_a_function_that_returns_none(capsys):
    result = check("relu", lambda x: None, lang="en")
    assert not result.passed
    assert result.failures[0].problem == "relu returned None: is a `return` missing?"


def test_wrong_shapes_and_types_are_reported_not_raised(capsys):
    result = check("softmax", lambda x: [0.5], lang="en")
    assert not result and result.failures
    result = check("Affine", softmax, lang="en")  # a function where a class belongs
    assert not result and result.failures


def test_a_function_that_is_not_deterministic(capsys):
    rng = np.random.default_rng(0)

    def sometimes_wrong(x):
        return softmax(x) * (1 if rng.random() < 0.5 else 2)

    result = check("softmax", sometimes_wrong, lang="en")  # must not raise (Hypothesis' Flaky)
    assert not result


def test_none_means_write_it_first(capsys):
    result = check("softmax", None, lang="en")
    out = capsys.readouterr().out
    assert not result and result.ran is False
    assert out == "✗ softmax is None: write it first, then run check again.\n"
    result = check("softmax", None, lang="ko")
    assert "먼저 작성한 뒤" in capsys.readouterr().out and not result


def test_something_that_is_not_a_function(capsys):
    result = check("relu", 3.0, lang="en")
    assert not result
    assert "3.0 is not a function" in capsys.readouterr().out


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="knows no 'sofmax'") as err:
        check("sofmax", softmax, lang="en")
    for name in PACKAGE:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="아는 이름: .*softmax"):
        check("sofmax", softmax, lang="ko")


def test_an_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="lang must be 'ko' or 'en'"):
        check("softmax", softmax, lang="fr")


# ---- same output every time, nothing leaks ------------------------------------------------------

def test_the_report_is_the_same_every_time(capsys):
    first = check("softmax", softmax_naive, lang="en")
    out1 = capsys.readouterr().out
    second = check("softmax", softmax_naive, lang="en")
    out2 = capsys.readouterr().out
    assert out1 == out2 and first.lines == second.lines and "✗" in out1


def test_no_warning_leaks_and_no_database_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check("softmax", softmax_naive, lang="en")
        check("sigmoid", sigmoid_textbook, lang="en")
        check("cross_entropy_error", cross_entropy_naive, lang="en")
    assert caught == []
    assert list(tmp_path.iterdir()) == []  # no .hypothesis directory


def test_the_result_object(capsys):
    result = check("relu", relu_in_place, lang="en")
    assert repr(result) == "<CheckResult relu: 2 of 3 passed>"
    assert result.passed == ["values", "shape_and_dtype"] and bool(result) is False
    out = capsys.readouterr().out
    assert out.splitlines() == result.lines
    assert result.lines[1] == "✗ leaves x unchanged (returns a new array)"
    assert result.lines[2:5] == [
        "    counterexample: x = [-1.0]",
        "    problem: x was changed to [0.0]",
        "    hint: Writing into x (x[x < 0] = 0) changes the caller's array too; np.maximum(x, 0) "
        "returns a new one. (see: 02-activations/#relu)",
    ]


# ---- the language -------------------------------------------------------------------------------

@pytest.mark.parametrize("env, expected", [
    ({"DLNOTES_LANG": "ko"}, "ko"),
    ({"DLNOTES_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),
    ({"LANG": "ko_KR.UTF-8"}, "ko"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
    ({"LC_ALL": "ko_KR.UTF-8", "LANG": "C.UTF-8"}, "ko"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_language_comes_from_the_environment(env, expected, monkeypatch):
    for var in ("DLNOTES_LANG", "LC_ALL", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert language() == expected
    assert language("ko") == "ko" and language("en") == "en"


def test_check_follows_dlnotes_lang(monkeypatch, capsys):
    monkeypatch.setenv("DLNOTES_LANG", "ko")
    check("step_function", step_function)
    assert capsys.readouterr().out.endswith("step_function: 성질 2개 중 2개 통과\n")


def test_the_page_build_sets_the_pages_language(monkeypatch):
    pagecode = load_hook("pagecode")
    monkeypatch.setenv("DLNOTES_LANG", "before")
    code = ["import os\nprint(os.environ['DLNOTES_LANG'])"]
    assert pagecode.run_blocks(code, "lesson.ko.md", "ko")[0].text == "ko\n"
    assert pagecode.run_blocks(code, "lesson.en.md", "en")[0].text == "en\n"
    assert os.environ["DLNOTES_LANG"] == "before"  # restored
    assert pagecode.run_blocks(code, "page")[0].text == "before\n"  # no language: left alone


# ---- hints point at real sections ---------------------------------------------------------------

def heading_ids(page):
    """The heading ids of a page: explicit { #id } or, without one, the slug of the text."""
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")
    ids = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#{1,6} (.*?)\s*(\{ *#([\w-]+) *\})?\s*$", line)
        if m:
            ids.add(m.group(3) or slug(m.group(1), "-"))
    return ids


@pytest.mark.parametrize("prop", [p for props in PROPERTIES.values() for p in props],
                         ids=lambda p: f"{p.name}-{p.id}")
def test_every_hint_points_at_a_heading_of_both_languages(prop):
    page, _, anchor = prop.section.partition("/#")
    assert prop.section == f"{page}/#{anchor}" and anchor
    for lang in ("ko", "en"):
        path = ROOT / "docs" / "lessons" / f"{page}.{lang}.md"
        assert path.is_file(), path
        assert anchor in heading_ids(path), f"{path.name} has no heading #{anchor}"
    assert prop.en and prop.ko and prop.hint_en and prop.hint_ko
    assert re.search("[가-힣]", prop.ko + prop.hint_ko)
    assert not re.search("[가-힣]", prop.en + prop.hint_en)


# ---- Hypothesis only where it is needed ---------------------------------------------------------

def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONWARNINGS": "error"})


def test_importing_dlnotes_does_not_import_hypothesis():
    result = run_python("import sys, dlnotes, dlnotes.activations, dlnotes.layers, "
                        "dlnotes.exercises\nprint('hypothesis' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n"


def test_without_hypothesis_check_says_how_to_install_it():
    result = run_python(
        "import sys\n"
        "sys.modules['hypothesis'] = None  # as if it were not installed\n"
        "from dlnotes.exercises import check\n"
        "try:\n"
        "    check('softmax', lambda x: x)\n"
        "except ImportError as err:\n"
        "    print(err)\n")
    assert result.returncode == 0, result.stderr
    assert 'pip install -e ".[learn]"' in result.stdout
