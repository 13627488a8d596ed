"""Evidence photos sent with an action from the field app: counted and cleaned.

Each photo goes through ``geo.incidents.photos.clean_photo`` (decoded by content, turned
upright, at most 1,600 px a side, re-encoded as a JPEG without EXIF: a phone's GPS position
and serial never reach the database). An action carries 1 to ``MAX_PHOTOS`` of them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from geo.core.errors import InvalidInput, TooLarge
from geo.incidents.photos import clean_photo

MAX_PHOTOS = 6
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # one photo as sent (a camera JPEG is 3–8 MB)
MAX_STORED_BYTES = 2 * 1024 * 1024  # one cleaned photo (the table's check says the same)
# A photo is kept under this size: above it (a very detailed scene), re-encoded coarser.
TARGET_BYTES = 400_000
STEP_QUALITIES = (65, 50, 35)


@dataclass(frozen=True)
class CleanPhoto:
    """A cleaned photo, ready for ``geo.field.store.photos.add``."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def check_photos(files: Sequence[bytes], max_bytes: int = MAX_UPLOAD_BYTES
                 ) -> list[CleanPhoto]:
    """The photos cleaned, in order; ``InvalidInput`` unless there are 1–6 of them, each
    a JPEG, PNG or WebP image of at most ``max_bytes`` (``TooLarge``, ``UnsupportedType``)."""
    if not 1 <= len(files) <= MAX_PHOTOS:
        raise InvalidInput(f"send 1 to {MAX_PHOTOS} photos, not {len(files)}", param="photos")
    return [_clean(data, max_bytes) for data in files]


def _clean(data: bytes, max_bytes: int) -> CleanPhoto:
    try:
        jpeg = clean_photo(data, max_bytes)
    except InvalidInput as err:
        err.param = "photos"  # the field's name in this form
        raise
    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
        if len(jpeg) > TARGET_BYTES:
            jpeg = _coarser(image.convert("RGB"))
    if len(jpeg) > MAX_STORED_BYTES:
        raise TooLarge("the photo is too detailed to keep even when reduced", param="photos")
    return CleanPhoto(jpeg, width, height)


def _coarser(image: Image.Image) -> bytes:
    """The (already clean) pixels at the first quality that fits ``TARGET_BYTES``."""
    for quality in STEP_QUALITIES:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= TARGET_BYTES:
            break
    return out.getvalue()
