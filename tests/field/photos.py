"""Photos for the field tests: a camera JPEG as a phone sends it (big, with EXIF GPS)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter


def camera_jpeg(width: int = 4000, height: int = 3000, min_bytes: int = 3_000_000) -> bytes:
    """A camera-sized JPEG of at least ``min_bytes`` with EXIF (make, GPS, orientation)."""
    image = Image.effect_noise((width // 4, height // 4), 60).convert("RGB")
    image = image.resize((width, height)).filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 200):
        draw.line((i, 0, width - i, height), fill=(200, 40, 40), width=9)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 55.0, 12.0), 3: "E", 4: (116.0, 23.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    data = out.getvalue()
    assert len(data) >= min_bytes, len(data)
    return data


def small_png(color: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()
