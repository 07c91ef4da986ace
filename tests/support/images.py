"""Image files built for the tests: the carried photos, and files that lie about themselves."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

PHOTOS = Path(__file__).parents[1] / "photos"  # real photos of people (photos/SOURCES.md), the landmarks for them


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for a huge RGB image, followed by a few compressed rows: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = zlib.compress(b"\x00" * (1 + width * 3) * 4, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
