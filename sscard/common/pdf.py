"""What the service's PDFs share: the CJK font they embed, and QR codes drawn as PNG images.

The font is embedded (subset) rather than left to the reader's machine: Debian's WenQuanYi
Micro Hei (`make system-deps` installs it; SSCARD_CJK_FONT points elsewhere). The receipt
(`applications.receipt_pdf`) and the yearly statement (`records.statements`) are laid out with
fpdf2 over these.

Reading the whole font (49,000 glyphs) takes fpdf2 a few hundred milliseconds for every PDF.
A PDF whose every character is a common one (ASCII, Latin-1, punctuation and the 7,000 Chinese
characters of GB 2312) can use instead a copy of the font cut down to those, made once and kept
under the var directory (`common_font`), which reads five times faster; anything rarer (an
employer's name with a rare character) gets the whole font. The PDF embeds a subset either way.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

logger = logging.getLogger(__name__)

# The name under which each PDF registers the CJK font.
FONT = "cjk"
# Blocks kept whole in the common font besides GB 2312: Latin-1, general punctuation, CJK
# symbols and punctuation, full-width forms.
COMMON_BLOCKS = ((0x20, 0x24F), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF))


def font_path() -> Path:
    path = Path(getattr(settings, "CJK_FONT", "") or "")
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The CJK font for PDFs is missing ({path}); run `make system-deps` "
            "or set SSCARD_CJK_FONT to a TrueType font with Chinese glyphs."
        )
    return path


def _common_characters() -> set[int]:
    found = {c for start, end in COMMON_BLOCKS for c in range(start, end + 1)}
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                found.add(ord(bytes((first, second)).decode("gb2312")))
    return found


@functools.cache
def common_font(source: Path) -> tuple[Path, frozenset[int]] | None:
    """The font cut down to the common characters, and the characters it has; made once for
    a font file (its path, size and time) and kept as var/fonts/cjk-common-<key>.ttf. None
    when it cannot be made (the whole font serves)."""
    from fontTools import subset, ttLib

    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|1".encode()).hexdigest()
    target = Path(settings.VAR_DIR) / "fonts" / f"cjk-common-{key[:16]}.ttf"
    try:
        if not target.is_file():
            font = ttLib.TTFont(source, fontNumber=0)
            options = subset.Options(notdef_outline=True, recommended_glyphs=True)
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            cutter = subset.Subsetter(options)
            cutter.populate(unicodes=sorted(_common_characters()))
            cutter.subset(font)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}")
            font.save(partial)
            os.replace(partial, target)
        covered = frozenset(ttLib.TTFont(target, lazy=True).getBestCmap())
    except (OSError, ValueError) as exc:
        logger.warning("the common CJK font could not be made: %s", exc)
        return None
    return target, covered


def add_cjk_font(pdf: FPDF, *, texts: Iterable[str] | None = None) -> None:
    """Register the CJK font as `FONT` (the first face of a collection). Given every text the
    PDF will show that is not fixed in the code (names, employers), the common font serves
    when it has all their characters."""
    source = font_path()
    if texts is not None:
        common = common_font(source)
        if common is not None and all(ord(c) in common[1] for text in texts for c in text):
            pdf.add_font(FONT, fname=str(common[0]))
            return
    pdf.add_font(FONT, fname=str(source), collection_font_number=0)


def qr_png(text: str) -> io.BytesIO:
    """A QR code of `text` (error correction M, 8 pixels a module, a 2-module border)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out
