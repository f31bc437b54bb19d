"""Ship a Korean web font with the site, for readers whose system has none (MkDocs hook).

The theme uses system fonts (no Google Fonts: no third-party request). Windows, macOS, Android
and iOS have Korean fonts, but a minimal Linux may not, and Hangul would show as empty boxes.
NanumGothic (SIL Open Font License) comes from the koreanize-matplotlib wheel that the figures
already use. It is cut down to the Hangul blocks and saved as WOFF2 (4.7 MB -> 0.5 MB; Chromium
also refuses the original .ttf), cached under .cache/ so only the first build pays the 8 s.
docs/assets/dlnotes.css names it last in the font list with a Hangul-only unicode-range, so a
browser downloads it only when no earlier font can draw the Korean on the page.
"""

import hashlib
import logging
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

from dlnotes.plotting import _bundled_font_files

# Hangul, plus CJK punctuation (『』「」 ...) and full-width forms Korean text uses.
HANGUL = [*range(0x1100, 0x1200), *range(0x3000, 0x3040), *range(0x3130, 0x3190), *range(0xA960, 0xA980),
          *range(0xAC00, 0xD800), *range(0xFF00, 0xFFF0)]
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "fonts"


def hangul_woff2(ttf):
    """Return the path of a cached WOFF2 subset of ``ttf`` with only the Hangul blocks."""
    digest = hashlib.sha256(ttf.read_bytes() + repr(HANGUL).encode()).hexdigest()[:16]
    cached = CACHE / f"{ttf.stem}-hangul-{digest}.woff2"
    if not cached.exists():
        from fontTools import subset

        logging.getLogger("fontTools").setLevel(logging.ERROR)  # it drops hinting tables, loudly
        options = subset.Options(flavor="woff2")
        font = subset.load_font(str(ttf), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=HANGUL)
        subsetter.subset(font)
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        subset.save_font(font, str(partial), options)
        partial.replace(cached)  # atomic: an interrupted build leaves no half-written font
    return cached


def on_post_build(config):
    regular = [f for f in _bundled_font_files() if f.name == "NanumGothic.ttf"]
    if not regular:
        raise PluginError("NanumGothic.ttf not found: install the docs extra (pip install -e '.[docs]')")
    target = Path(config.site_dir) / "assets" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(hangul_woff2(regular[0]), target / "NanumGothic.woff2")
