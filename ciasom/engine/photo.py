"""Reading photos people upload: any common format (HEIC too, as iPhones save them), EXIF
orientation honoured, bombs refused."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# Pillow opens HEIC/HEIF wherever this module is imported (the upload checks import it too).
register_heif_opener()

MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo decodes to ~120 MB; more is refused


class PhotoError(ValueError):
    """A photo we cannot use; `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_photo(data: bytes) -> np.ndarray:
    """Decode image bytes to a BGR uint8 array, upright as the camera meant it.

    The size is checked from the header before any pixel is decoded, so a small file that
    claims to be enormous (a decompression bomb) costs nothing.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(
                    "too_large",
                    f"The image is {image.width}x{image.height} pixels; at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels are accepted.",
                )
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except PhotoError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own, even larger, limit
        raise PhotoError("too_large", f"The image has too many pixels: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PhotoError(
            "unreadable",
            f"The file is not an image we can read (JPEG, PNG, HEIC, WebP, BMP, TIFF): {error}",
        ) from error
    rgb = np.asarray(upright, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])
