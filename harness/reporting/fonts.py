"""Fonts that render Chinese: the report's CSS stack and the charts' fallback font.

A reader of a ZH answer or a Chinese category name needs a CJK font on their machine and the
page must name one, or every character is a tofu box. The CSS names the common CJK fonts of
each platform; the charts (matplotlib, text kept as text in the SVG) fall back, glyph by glyph,
to an installed CJK font, found even when it was installed after matplotlib's font cache.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "Droid Sans Fallback",
    "SimHei",
)
"""Simplified Chinese first (the suites' ZH is simplified), then any CJK font with Hanzi."""
CSS_STACK = ", ".join(
    [
        "system-ui",
        "-apple-system",
        '"Segoe UI"',
        "Roboto",
        '"Noto Sans"',
        *(f'"{name}"' for name in CJK_FONTS),
        "sans-serif",
    ]
)
_FILES = ("cjk", "wqy", "sourcehan", "droidsansfallback", "msyh", "pingfang", "simhei")
"""Font file names that hint at Hanzi coverage (searched only when the cache has none)."""


def _known() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font of `CJK_FONTS`, or None."""
    found = next((n for n in CJK_FONTS if n in _known()), None)
    if found is not None:
        return found
    hinted = [
        p for p in font_manager.findSystemFonts() if any(h in Path(p).name.lower() for h in _FILES)
    ]
    for path in sorted(hinted, key=lambda p: ("sans" not in p.lower(), "bold" in p.lower(), p)):
        try:
            font_manager.fontManager.addfont(path)  # one file at a time: a CJK file is large
        except (OSError, RuntimeError, ValueError):  # an unreadable font file: skip it
            continue
        found = next((n for n in CJK_FONTS if n in _known()), None)
        if found is not None:
            return found
    return None


def chart_families() -> list[str]:
    """matplotlib's font.family: Latin first, then a CJK font for the glyphs it lacks."""
    cjk = cjk_font()
    return ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]


__all__ = ["CJK_FONTS", "CSS_STACK", "chart_families", "cjk_font"]
