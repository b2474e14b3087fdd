"""QR codes drawn on the server as SVG, so no script or third-party service is involved."""

from __future__ import annotations

import segno


def qr_code_data_uri(text: str) -> str:
    """Return a data: URI of an SVG QR code for the text, for an <img src>."""
    # Error correction "M" survives a glare or smudge on a phone camera without a dense code.
    code = segno.make(text, error="m", micro=False)
    return str(code.svg_data_uri(scale=4, border=4, dark="#0b0c0c", light="#ffffff"))
