"""Photos sent with resident reports: checked, shrunk and re-encoded without metadata.

A phone photo carries EXIF: the GPS position of the resident's home, the phone's make and
serial, the time it was taken. None of that may be kept or passed on, so a photo is never
stored as sent: it is decoded (JPEG, PNG or WebP, recognised by content, never by name or
declared type), turned upright by its EXIF orientation, reduced to ``MAX_SIDE`` pixels and
written again as a plain JPEG, which carries no EXIF, XMP, ICC or comment blocks.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from geo.core.errors import InvalidInput, TooLarge, UnsupportedType

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 50_000_000  # decoded size refused beyond this (a "decompression bomb")
MAX_SIDE = 1600  # longest side kept, in pixels
QUALITY = 80


def clean_photo(data: bytes, max_bytes: int) -> bytes:
    """The photo as a metadata-free JPEG of at most ``MAX_SIDE`` pixels a side.

    Raises ``TooLarge`` above ``max_bytes`` or ``MAX_PIXELS``, ``UnsupportedType`` for
    anything but a JPEG, PNG or WebP image, ``InvalidInput`` for a damaged one.
    """
    if len(data) > max_bytes:
        raise TooLarge(f"the photo has {len(data):,} bytes; at most {max_bytes:,} are "
                       "accepted", param="photo")
    if not data:
        raise InvalidInput("the photo is empty", param="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise TooLarge(f"the photo is {image.width}×{image.height} pixels; at most "
                               f"{MAX_PIXELS:,} pixels are accepted", param="photo")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        raise UnsupportedType("the photo must be a JPEG, PNG or WebP image",
                              param="photo") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise TooLarge(f"the photo has too many pixels; at most {MAX_PIXELS:,} are accepted",
                       param="photo") from None
    except InvalidInput:
        raise
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput("the photo is damaged and cannot be read", param="photo") from None
    return _jpeg(upright)


def _jpeg(image: Image.Image) -> bytes:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Only the pixels go on: a new image has no info (Pillow would carry a JPEG comment
    # and the EXIF block over from it) and is saved with no exif or ICC profile.
    bare = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()
