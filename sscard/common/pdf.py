"""What the service's PDFs share: the CJK font they embed, and QR codes drawn as PNG images.

The font is embedded (subset) rather than left to the reader's machine: Debian's WenQuanYi
Micro Hei (`make system-deps` installs it; SSCARD_CJK_FONT points elsewhere). The receipt
(`applications.receipt_pdf`) and the yearly statement (`records.statements`) are laid out with
fpdf2 over these.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

# The name under which each PDF registers the CJK font.
FONT = "cjk"


def font_path() -> Path:
    path = Path(getattr(settings, "CJK_FONT", "") or "")
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The CJK font for PDFs is missing ({path}); run `make system-deps` "
            "or set SSCARD_CJK_FONT to a TrueType font with Chinese glyphs."
        )
    return path


def add_cjk_font(pdf: FPDF) -> None:
    """Register the CJK font as `FONT` (the first face of a collection)."""
    pdf.add_font(FONT, fname=str(font_path()), collection_font_number=0)


def qr_png(text: str) -> io.BytesIO:
    """A QR code of `text` (error correction M, 8 pixels a module, a 2-module border)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out
