"""Matplotlib set-up for the lessons: Korean labels that render, not empty boxes.

Matplotlib's default font (DejaVu Sans) has no Hangul, so Korean labels come out as empty boxes
("tofu") with a "Glyph ... missing from font" warning. :func:`use_korean_font` finds a Korean
font and puts it after DejaVu Sans, so Latin letters and the minus sign keep DejaVu's glyphs and
Hangul falls back to the Korean font.
"""

import importlib.util
from pathlib import Path

import matplotlib
from matplotlib import font_manager

# Fonts tried in order: NanumGothic (Debian fonts-nanum, or the koreanize-matplotlib wheel),
# then the Korean fonts that ship with Windows, macOS and Noto installs.
KOREAN_FONTS = ("NanumGothic", "Malgun Gothic", "AppleGothic", "Noto Sans CJK KR", "Noto Sans KR")


def _bundled_font_files():
    """NanumGothic .ttf files shipped by the koreanize-matplotlib wheel, if it is installed.

    Found without importing that package (its import has side effects).
    """
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return sorted(fonts.glob("NanumGothic*.ttf"))


# --8<-- [start:use_korean_font]
def use_korean_font():
    """Make matplotlib draw Korean text; return the name of the Korean font used.

    Raises RuntimeError, saying what to install, when no Korean font is found.
    """
    for path in _bundled_font_files():
        font_manager.fontManager.addfont(str(path))
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in KOREAN_FONTS:
        if name in installed:
            # DejaVu Sans first: it has the real minus sign (U+2212), NanumGothic does not.
            matplotlib.rcParams["font.family"] = ["DejaVu Sans", name]
            return name
    raise RuntimeError(
        "no Korean font found for matplotlib: run `pip install koreanize-matplotlib` "
        "(or `pip install -e \".[learn]\"` in a dlnotes clone, or install the "
        "fonts-nanum package), then retry"
    )
# --8<-- [end:use_korean_font]
