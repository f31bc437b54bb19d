"""Tests of dlnotes.plotting: Korean labels render with the font it picks, and fail clearly without one."""

import io
import warnings

import matplotlib
import pytest
from matplotlib import font_manager

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlnotes import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def restore_rc():
    with matplotlib.rc_context():
        yield
    plt.close("all")


def draw(text):
    fig, ax = plt.subplots()
    ax.set_title(text)
    ax.plot([-1, 1], [-1, 1])  # tick labels with a minus sign
    fig.savefig(io.BytesIO(), format="png")


def test_korean_text_renders_without_missing_glyphs():
    name = plotting.use_korean_font()
    assert name in plotting.KOREAN_FONTS
    assert matplotlib.rcParams["font.family"][0] == "DejaVu Sans"  # keeps the real minus sign
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise here
        draw("시그모이드 함수 −1")


def test_without_the_korean_font_hangul_is_missing():
    # The reference: the default font has no Hangul (so the check above can fail).
    matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
    with pytest.warns(UserWarning, match=r"missing from (current )?font"):  # 3.8: "current font"
        draw("시그모이드")


def test_no_korean_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(plotting, "_bundled_font_files", lambda: [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [f for f in font_manager.fontManager.ttflist if f.name not in plotting.KOREAN_FONTS])
    with pytest.raises(RuntimeError, match="pip install koreanize-matplotlib"):
        plotting.use_korean_font()
