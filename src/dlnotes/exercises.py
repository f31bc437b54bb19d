"""Check your own implementation against the properties the package's tests use.

>>> from dlnotes.exercises import check
>>> result = check("softmax", my_softmax)  # doctest: +SKIP

``check`` runs every property of :data:`dlnotes.properties.PROPERTIES` for the name on your
function (or class), with Hypothesis, and prints one line per property: passed, or failed with
the simplest input it found that fails (the shrunk counterexample), what went wrong and a hint
that names the lesson section to read. It never raises because of a mistake in your code.
Messages are in Korean or English (``lang``; by default ``$DLNOTES_LANG``, else the locale).

This module imports Hypothesis only when ``check`` runs; ``import dlnotes`` never does.
"""

import copy
import functools
import linecache
import math
import os
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["check", "CheckResult", "Failure", "known_names"]

TEXT = {
    "en": {
        "counterexample": "counterexample",
        "problem": "problem",
        "hint": "hint",
        "see": "see",
        "write_first": "{name} is None: write it first, then run check again.",
        "not_callable": "{name}: {fn!r} is not a {kind}: pass the {kind} itself.",
        "function": "function",
        "class": "class",
        "summary": "{name}: {passed} of {total} properties passed",
        "unknown": "check() knows no {name!r}; known names: {names}",
        "raised": "{where} raised {error}",
        "warning": "NumPy warning{where}: {message}",
        "in": " in {where}",
        "returned_none": "{where} returned None: is a `return` missing?",
        "assertion": "this check failed: {line}",
        "returned": "{where} returned {value}",
        "flaky": "the same input passed once and failed once: is the {kind} deterministic?",
        "could_not_run": "could not run the check: {error}",
        "bad_lang": "lang must be 'ko' or 'en', got {lang!r}",
    },
    "ko": {
        "counterexample": "반례",
        "problem": "문제",
        "hint": "힌트",
        "see": "참고",
        "write_first": "{name}: 아직 None입니다. 먼저 작성한 뒤 check를 다시 실행하세요.",
        "not_callable": "{name}: {kind}가 아닌 값을 받았습니다: {fn!r}. {kind} 자체를 넘기세요.",
        "function": "함수",
        "class": "클래스",
        "summary": "{name}: 성질 {total}개 중 {passed}개 통과",
        "unknown": "check()가 모르는 이름입니다: {name!r}. 아는 이름: {names}",
        "raised": "{where}에서 예외가 발생했습니다: {error}",
        "warning": "NumPy 경고{where}: {message}",
        "in": " ({where}에서)",
        "returned_none": "{where}의 결과가 None입니다. return을 빠뜨리지 않았나요?",
        "assertion": "이 조건이 성립하지 않습니다: {line}",
        "returned": "{where}의 결과: {value}",
        "flaky": "같은 입력이 한 번은 통과하고 한 번은 실패했습니다. {kind}의 결과가 매번 같은가요?",
        "could_not_run": "검사를 실행하지 못했습니다: {error}",
        "bad_lang": "lang은 'ko' 또는 'en'이어야 합니다. 받은 값: {lang!r}",
    },
}
PASS, FAIL = "✓", "✗"


def language(lang=None):
    """The language of the messages: ``lang``, else $DLNOTES_LANG, else the locale.

    Parameters
    ----------
    lang : {"ko", "en"} or None
        None: ``$DLNOTES_LANG`` if set (the site's build sets it per page), else "ko" when
        the locale (``$LC_ALL``, then ``$LANG``) starts with "ko", else "en".

    Returns
    -------
    str
        "ko" or "en".

    Raises
    ------
    ValueError
        If ``lang`` is given and is neither "ko" nor "en".
    """
    if lang is not None:
        if lang not in TEXT:
            raise ValueError(TEXT["en"]["bad_lang"].format(lang=lang))
        return lang
    setting = os.environ.get("DLNOTES_LANG", "").strip().lower()
    if setting[:2] in TEXT:
        return setting[:2]
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "ko" if locale.lower().startswith("ko") else "en"


@dataclass(frozen=True)
class Failure:
    """One failed property: which, on what input, what went wrong, and where to read up."""

    id: str
    description: str
    counterexample: str
    problem: str
    hint: str
    section: str


@dataclass
class CheckResult:
    """What :func:`check` found. Truthy if and only if every property passed.

    Attributes
    ----------
    name : str
        The name checked ("softmax").
    passed : list of str
        The ids of the properties that passed.
    failures : list of Failure
        The properties that failed, in the order they ran.
    lines : list of str
        The report, as printed.
    """

    name: str
    passed: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    lines: list = field(default_factory=list, repr=False)
    ran: bool = True  # False when there was nothing to check (fn=None)

    def __bool__(self):
        return self.ran and not self.failures

    def __repr__(self):
        total = len(self.passed) + len(self.failures)
        return f"<CheckResult {self.name}: {len(self.passed)} of {total} passed>"


def known_names():
    """The names :func:`check` accepts, sorted (classes first, as Python sorts capitals)."""
    from dlnotes.properties import PROPERTIES

    return sorted(PROPERTIES)


def check(name, fn, lang=None):
    """Run the properties of ``name`` on ``fn`` and print one line per property.

    Parameters
    ----------
    name : str
        What ``fn`` implements: "step_function", "sigmoid", "relu", "softmax",
        "cross_entropy_error", "numerical_gradient", "Affine", "SoftmaxWithLoss", "im2col"
        (see :func:`known_names`).
    fn : callable or None
        Your function, or your class for "Affine" and "SoftmaxWithLoss", with the book's
        signature. None (not written yet) prints a reminder and returns a falsy result.
    lang : {"ko", "en"} or None
        The language of the report; None: see :func:`language`.

    Returns
    -------
    CheckResult
        Truthy if and only if every property passed.

    Raises
    ------
    ValueError
        For an unknown ``name`` (the message lists the known ones) or ``lang``.
    ImportError
        If Hypothesis is not installed (``pip install -e ".[learn]"``).

    Notes
    -----
    Each property tries a fixed set of generated inputs (``derandomize``, no example
    database), so the same function gives the same report every time. NumPy warnings inside
    a property count as failures, as they do in the package's tests.
    """
    lang = language(lang)
    text = TEXT[lang]
    from dlnotes import properties  # needs Hypothesis: raises ImportError saying how to get it

    if name not in properties.PROPERTIES:
        names = ", ".join(sorted(properties.PROPERTIES))
        raise ValueError(text["unknown"].format(name=name, names=names))
    result = CheckResult(name)
    kind = "class" if name in properties.CLASSES else "function"
    if fn is None or not callable(fn):
        message = (text["write_first"].format(name=name) if fn is None else
                   text["not_callable"].format(name=name, fn=fn, kind=text[kind]))
        result.ran = False
        _say(result, f"{FAIL} {message}")
        return result
    for prop in properties.PROPERTIES[name]:
        failure = _run(prop, fn, name, kind, lang)
        if failure is None:
            result.passed.append(prop.id)
            _say(result, f"{PASS} {prop.description(lang)}")
        else:
            result.failures.append(failure)
            _say(result, f"{FAIL} {failure.description}")
            _say(result, f"    {text['counterexample']}: {failure.counterexample}")
            _say(result, f"    {text['problem']}: {failure.problem}")
            _say(result, f"    {text['hint']}: {failure.hint} ({text['see']}: {failure.section})")
    total = len(result.passed) + len(result.failures)
    _say(result, text["summary"].format(name=name, passed=len(result.passed), total=total))
    return result


def _say(result, line):
    result.lines.append(line)
    print(line)


# ---- running one property -------------------------------------------------------------------


class _Calls:
    """What the current example passed to the property and what the learner's code returned."""

    def __init__(self):
        self.arguments = {}
        self.returned = []  # (where, value) for each call into the learner's code

    def start(self, kwargs):
        self.arguments = _snapshot(kwargs)
        self.returned = []


def _snapshot(value):
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - an object that cannot be copied is shown as it is
        return value


class _ReturnedNone(AssertionError):
    """The learner's function or method returned None."""


def _guarded(fn, where, calls):
    """``fn`` that tags its exceptions as the learner's and notes what it returned."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            value = fn(*args, **kwargs)
        except BaseException as err:
            if isinstance(err, Exception) and not hasattr(err, "_dlnotes_where"):
                err._dlnotes_where = where
            raise
        if value is None:
            err = _ReturnedNone(where)
            err._dlnotes_where = where
            raise err
        calls.returned.append((where, _snapshot(value)))
        return value

    return call


class _Layer:
    """A learner's layer object seen through its methods, guarded like a function."""

    def __init__(self, obj, cls_name, calls):
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_cls_name", cls_name)
        object.__setattr__(self, "_calls", calls)

    def __getattr__(self, attr):
        value = getattr(self._obj, attr)
        if callable(value) and not isinstance(value, (np.ndarray, type)):
            return _guarded(value, f"{self._cls_name}.{attr}", self._calls)
        return value

    def __setattr__(self, attr, value):
        setattr(self._obj, attr, value)


def _implementation(fn, name, kind, calls):
    if kind == "function":
        return _guarded(fn, name, calls)
    cls_name = getattr(fn, "__name__", name)

    def construct(*args, **kwargs):
        try:
            obj = fn(*args, **kwargs)
        except Exception as err:
            err._dlnotes_where = f"{cls_name}(...)"
            raise
        return _Layer(obj, cls_name, calls)

    return construct


def _run(prop, fn, name, kind, lang):
    """Run one property on ``fn``; None if it passed, else a :class:`Failure`."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    calls = _Calls()
    test = prop.make(_implementation(fn, name, kind, calls))
    inner = test.hypothesis.inner_test  # Hypothesis' documented hook for wrapping the test body

    def recorded(*args, **kwargs):
        calls.start(kwargs)
        return inner(*args, **kwargs)

    test.hypothesis.inner_test = recorded
    test = settings(max_examples=prop.examples, derandomize=True, database=None, deadline=None,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink), print_blob=False,
                    report_multiple_bugs=False, verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck))(test)
    with warnings.catch_warnings(record=True), np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")  # recorded, so nothing leaks to the caller
        warnings.simplefilter("error", RuntimeWarning)  # NumPy's overflow etc.: a failure
        try:
            test()
        except Exception as err:  # noqa: BLE001 - whatever the learner's code raised
            problem = _problem(err, kind, lang, calls)
        else:
            return None
    return Failure(prop.id, prop.description(lang), _arguments(calls.arguments), problem,
                   prop.hint(lang), prop.section)


# ---- describing a failure -----------------------------------------------------------------------


def _root(err):
    """The exception that matters in ``err`` (Hypothesis wraps some in exception groups)."""
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    return err


def _problem(err, kind, lang, calls):
    text = TEXT[lang]
    from hypothesis.errors import Flaky

    if isinstance(err, Flaky) and not isinstance(err, BaseExceptionGroup):
        return text["flaky"].format(kind=text[kind])
    err = _root(err)
    where = getattr(err, "_dlnotes_where", None)
    if isinstance(err, _ReturnedNone):
        return text["returned_none"].format(where=where)
    if isinstance(err, RuntimeWarning):
        place = text["in"].format(where=where) if where else ""
        return text["warning"].format(where=place, message=err)
    if isinstance(err, AssertionError) and where is None:
        message = err.args[0] if err.args else None
        if message is not None and hasattr(message, "ko"):
            return message.ko if lang == "ko" else str(message)
        detail = text["assertion"].format(line=_failed_line(err))
        if calls.returned:
            called = calls.returned[-1][0]
            last = [v for _, v in calls.returned[-2:]]  # the last two calls
            shown = [_short(v) for v in last]
            if len(shown) == 2 and shown[0] == shown[1] and not _same(*last):
                shown = [_short(v, digits=17) for v in last]  # they differ in the last digits
            detail += "; " + text["returned"].format(where=called, value=", ".join(shown))
        return detail
    if where is not None:
        return text["raised"].format(where=where, error=_error(err))
    from hypothesis.errors import HypothesisException

    if isinstance(err, HypothesisException):
        return text["could_not_run"].format(error=_error(err))
    return _error(err)  # raised in the property, on something the learner's code returned


def _error(err):
    message = str(err).strip().splitlines()
    return f"{type(err).__name__}: {message[0]}" if message else type(err).__name__


def _failed_line(err):
    """The source line of the innermost frame in dlnotes.properties (the assert that failed)."""
    from dlnotes import properties

    line = ""
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        if frame.f_code.co_filename == properties.__file__:
            line = linecache.getline(frame.f_code.co_filename, lineno).strip()
    if line.startswith("assert "):
        line = line[len("assert "):]
    return line.split("  #")[0].rstrip() or type(err).__name__


# ---- short, stable text for values --------------------------------------------------------------


def _same(a, b):
    try:
        return bool(np.array_equal(a, b))
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


def _number(v, digits=6):
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    text = f"{v:.{digits}g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _short(value, limit=160, digits=6):
    """A short repr: numbers with 6 significant digits, arrays with their dtype unless float64."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            body = np.array2string(value, separator=", ", threshold=24 if digits <= 6 else 4,
                                   edgeitems=2, max_line_width=10**6,
                                   formatter={"float_kind": lambda v: _number(v, digits)})
        else:
            body = np.array2string(value, separator=", ", threshold=24, edgeitems=2,
                                   max_line_width=10**6)
        body = " ".join(body.split())
        if value.dtype.kind == "f" and value.dtype != np.float64:
            body += f" ({value.dtype})"
        cap = limit * max(1, digits // 6)  # more digits, more room
        return body if len(body) <= cap else body[:cap - 3] + "..."
    if isinstance(value, (float, np.floating)):
        return _number(value, digits)
    if isinstance(value, (bool, int, np.integer, str)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, type):
        return np.dtype(value).name if issubclass(value, np.generic) else value.__name__
    if isinstance(value, tuple):
        inner = ", ".join(_short(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_short(v)}" for k, v in value.items())
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _arguments(arguments):
    """The counterexample as 'x = [710.0]' (a single dict or pair argument is spread out)."""
    if len(arguments) == 1:
        (key, value), = arguments.items()
        if isinstance(value, dict):
            return _short(value)
        if key == "yt" and isinstance(value, tuple) and len(value) == 2:
            return f"y = {_short(value[0])}, t = {_short(value[1])}"
    return ", ".join(f"{k} = {_short(v)}" for k, v in arguments.items())
