"""Bytes in, upright sRGB pixels out: the one place that decodes an image.

`decode_image` gives two RGB images from one upload: the full-size image the views are cut from, and a small
copy (long side <= 1024 px) for the pose stage. For a JPEG the small copy is decoded with libjpeg's DCT scaling
(`draft`), which costs a fraction of a full decode, so a 12 MP photo is decoded at full size only once.

Every refusal is a `posecraft.errors` exception whose reason tells the user what to do, and the pixel limit is
checked on the header, before any pixel is decoded (a 64k x 64k PNG of a few KB is refused with memory flat).

`verify_image`, the check of an upload at submit time, holds little more than the file in memory whatever size the
header declares (a 49 MP PNG of zeros, 140 KB, took a decode of 190 MB; a 49 MP WebP of 2 KB, 750 MB): a JPEG
is decoded at 1/8 scale (and refused when its data ends before the rows its header declares), a PNG's image data
is inflated a megabyte at a time and counted, GIF and BMP are decoded (one byte a pixel, or the file holds the
pixels), a TIFF's strips must lie within the file, and a WebP's chunks must all be there (libwebp checks them as
Pillow opens it). Damaged pixel data in a complete WebP or TIFF is found
by the worker's decode instead.
"""
from __future__ import annotations

import io
import re
import struct
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

from posecraft.errors import ImageTooLarge, InvalidImage

# Our own limit (`max_pixels`, from Settings.max_image_pixels) is checked on the header of every image; Pillow's
# global one would refuse or warn at its own threshold instead, so it is switched off here.
Image.MAX_IMAGE_PIXELS = None

SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
_DISPLAY_NAMES = {"WEBP": "WebP", "MPO": "JPEG"}
# MPO is the multi-picture JPEG that phone cameras write; its first picture is a plain JPEG. Pillow's JPEG opener
# reads it (reporting "MPO"); naming "MPO" to Image.open raises KeyError on Pillow 13, which registers no MPO opener.
_OPEN_FORMATS = SUPPORTED_FORMATS
_SUPPORTED_LIST = "JPEG, PNG, WebP, GIF, BMP or TIFF"

POSE_MAX_SIDE = 1024
# DCT scaling stops before the long side would drop under this: the pose models need the person at >= ~256 px.
POSE_MIN_SIDE = 640

_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class ImageProbe:
    """What the header says, without decoding pixels. Width and height are as displayed (EXIF orientation)."""

    format: str
    width: int
    height: int


class DecodedImage:
    """The full-size image (RGB, upright, sRGB, no alpha) and a small copy for the pose stage.

    For a JPEG the full-size decode runs on a second thread while the caller runs the pose stage on
    `pose_image`; reading `image` waits for it (and raises its InvalidImage, if any).
    """

    def __init__(self, image, pose_image: Image.Image, scale: tuple[float, float], format: str, size: tuple[int, int]):
        self._image = image  # a PIL image, or a Future of one
        self.pose_image = pose_image  # long side <= POSE_MAX_SIDE
        self.scale = scale  # full-image px per pose-image px, (x, y)
        self.format = format
        self.width, self.height = size

    @property
    def image(self) -> Image.Image:
        if isinstance(self._image, Future):
            self._image = self._image.result()
        return self._image


def probe_image(data: bytes, *, max_pixels: int) -> ImageProbe:
    """Format and displayed size from the header; raises InvalidImage / ImageTooLarge like `decode_image`."""
    with _open(data, max_pixels) as im:
        return _probe(im)


def verify_image(data: bytes, *, max_pixels: int) -> ImageProbe:
    """Read every byte of the image data in bounded memory, so that an upload that is truncated or damaged is refused
    at once (the module's docstring says how, format by format). Raises like `decode_image`."""
    with _open(data, max_pixels) as im:
        probe = _probe(im)
        if probe.format == "JPEG":
            _verify_jpeg(data, max_pixels)
        elif probe.format == "PNG":
            _verify_png(data)
        elif probe.format == "TIFF":
            _verify_tiff_strips(im, len(data))
        elif probe.format != "WebP":  # opening a WebP had libwebp's demuxer check that every chunk is there
            _load(im)
        return probe


_TRUNCATED = "the image is truncated: the file ends before its pixel data does; upload the complete file"


def _verify_jpeg(data: bytes, max_pixels: int) -> None:
    """Decode all the data at 1/8 scale. A scan whose data stops before the image is complete, followed by the
    end marker, is filled with grey by libjpeg without a word; so a single-scan JPEG is decoded with its end marker
    replaced by a few zero bytes: then libjpeg asks for more data where the scan falls short, and Pillow says so.
    A progressive JPEG needs its end marker (libjpeg reads every scan before decoding): there the grey is looked
    for instead, as the missing blocks decode to it exactly."""
    end = _jpeg_single_scan_end(data)
    with _open(data if end is None else data[:end] + bytes(64), max_pixels) as im:
        im.draft("RGB", (1, 1))
        _load(im)
        if end is None and _grey_to_the_bottom(im):
            raise InvalidImage("the image is truncated: its bottom rows hold no data (blank grey, as a JPEG whose "
                               "data ends early decodes); upload the complete file")


# Blocks a scan has no data for decode to mid-grey, exactly: 128 in every channel (DC 0, no AC).
_MISSING_BLOCK_VALUE = 128
# How much of a progressive JPEG must be that grey, down to its last row, to be taken for truncated (a real
# photo's bottom eighth is never one exact value; a scan cut short leaves far more: 97 % of a 7000 x 7000 header
# over 1400 x 1000 of data).
_TRUNCATED_SHARE = 1 / 8


def _grey_to_the_bottom(im: Image.Image) -> bool:
    """Whether the bottom _TRUNCATED_SHARE of the decoded image (at least one row) is all exactly mid-grey."""
    if im.mode not in ("L", "RGB"):
        return False
    rows = max(1, round(im.height * _TRUNCATED_SHARE))
    extrema = im.crop((0, im.height - rows, im.width, im.height)).getextrema()
    bands = [extrema] if im.mode == "L" else extrema
    return all(band == (_MISSING_BLOCK_VALUE, _MISSING_BLOCK_VALUE) for band in bands)


# A marker in entropy-coded data: 0xFF followed by neither a stuffed 0x00, a restart marker nor another 0xFF.
_JPEG_MARKER = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


def _jpeg_single_scan_end(data: bytes) -> int | None:
    """Where the end marker that follows the only scan of a JPEG is, or None for a progressive (several scans)
    or unusual JPEG, which libjpeg reads whole before decoding and so needs its end marker."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if marker == 0xDA:  # start of scan: its entropy-coded data runs to the next marker
            found = _JPEG_MARKER.search(data, pos + 2 + length)
            return found.start() if found is not None and data[found.start() + 1] == 0xD9 else None
        pos += 2 + length
    return None


# Samples per pixel of each PNG colour type: grey, RGB, palette index, grey and alpha, RGBA.
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7 interlacing: the first column and row of each pass and its steps.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_INFLATE_PIECE = 1 << 20


def _verify_png(data: bytes) -> None:
    """Inflate the image data (the IDAT chunks) a megabyte at a time and count it: there must be a byte for every
    row the header declares (its filter byte and pixels). zlib's checksum catches damage on the way."""
    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    bits = _PNG_CHANNELS[colour_type] * bit_depth  # Pillow opened it: a known type
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    needed = sum(
        -(-(height - y0) // dy) * (1 + (-(-(width - x0) // dx) * bits + 7) // 8)
        for x0, y0, dx, dy in passes if width > x0 and height > y0
    )
    inflater = zlib.decompressobj()
    inflated = 0
    try:
        for piece in _png_idat_pieces(data):
            while piece and inflated < needed and not inflater.eof:
                inflated += len(inflater.decompress(piece, _INFLATE_PIECE))
                piece = inflater.unconsumed_tail
        if inflated < needed and not inflater.eof:
            inflated += len(inflater.flush())  # all input is in: the few bytes zlib may still hold back
    except zlib.error as exc:
        raise InvalidImage(f"the image data is damaged ({exc}): save the picture again and upload that") from None
    if inflated < needed:
        raise InvalidImage(_TRUNCATED)


def _png_idat_pieces(data: bytes):
    """The IDAT chunks' data in pieces of at most 64 KB (views, not copies), up to the end of the data."""
    view = memoryview(data)
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        start = pos + 8
        if kind == b"IDAT":
            for at in range(start, min(start + length, len(data)), 1 << 16):
                yield view[at:min(at + (1 << 16), start + length)]
        elif kind == b"IEND":
            return
        pos = start + length + 4  # data and CRC


def _verify_tiff_strips(im: Image.Image, size: int) -> None:
    """Every strip or tile of the first image of a TIFF must lie within the file."""
    tags = im.tag_v2  # type: ignore[attr-defined]
    for offsets_tag, counts_tag in ((273, 279), (324, 325)):
        offsets, counts = tags.get(offsets_tag, ()), tags.get(counts_tag, ())
        if isinstance(offsets, int):
            offsets, counts = (offsets,), (counts,)
        if any(offset + count > size for offset, count in zip(offsets, counts, strict=False)):
            raise InvalidImage(_TRUNCATED)


def _probe(im: Image.Image) -> ImageProbe:
    width, height = im.size
    if _orientation(im) in (5, 6, 7, 8):
        width, height = height, width
    return ImageProbe(format=_format_name(im), width=width, height=height)


def decode_image(data: bytes, *, max_pixels: int) -> DecodedImage:
    im = _open(data, max_pixels)
    fmt = _format_name(im)
    orientation = _orientation(im)
    size = im.size[::-1] if orientation in (5, 6, 7, 8) else im.size
    if fmt != "JPEG":
        full = _decode_full(im, orientation)
        pose = _reduce_within(full, POSE_MAX_SIDE)
        return DecodedImage(full, pose, _scale(size, pose.size), fmt, size)
    # A JPEG is decoded twice from the same bytes, but only once at full size: the pose copy comes from libjpeg's
    # DCT scaling (a fraction of a full decode), and the full decode overlaps the pose stage on the other core.
    full_future = _background().submit(_decode_full, _open(data, max_pixels), orientation)
    im.draft("RGB", _draft_request(im.size))
    pose = _reduce_within(_upright(_to_srgb(_load(im), colour_managed=False), orientation), POSE_MAX_SIDE)
    return DecodedImage(full_future, pose, _scale(size, pose.size), fmt, size)


def _decode_full(im: Image.Image, orientation: int) -> Image.Image:
    return _upright(_to_srgb(_load(im), colour_managed=True), orientation)


@lru_cache(maxsize=1)
def _background() -> ThreadPoolExecutor:
    # Pillow releases the GIL while libjpeg decodes, so this thread runs beside the pose stage.
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="posecraft-decode")


def _scale(full_size: tuple[int, int], pose_size: tuple[int, int]) -> tuple[float, float]:
    return (full_size[0] / pose_size[0], full_size[1] / pose_size[1])


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise InvalidImage("empty file: the upload has no bytes")
    try:
        im = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except UnidentifiedImageError:
        raise InvalidImage(_describe_unknown(data)) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"the image header is damaged ({exc}): save the picture again and upload that") from None
    width, height = im.size
    if width * height > max_pixels:
        im.close()
        raise ImageTooLarge(
            f"{max_pixels} pixels max, got {width}×{height} ({width * height} pixels): resize the photo and upload it again"
        )
    if width < 1 or height < 1:
        im.close()
        raise InvalidImage(f"the image has no pixels ({width}×{height})")
    # Hand the decoder all the bytes in one call: Pillow releases the GIL inside each call, so one call lets a
    # decode run beside the pose stage without stopping for the GIL every 64 KB (and it is faster alone too).
    im.decodermaxblock = max(len(data), ImageFile.MAXBLOCK)
    return im


def _load(im: Image.Image) -> Image.Image:
    """Decode the first frame (animated GIF/WebP, multi-page TIFF)."""
    try:
        im.load()
    except OSError as exc:
        if "truncated" in str(exc):
            raise InvalidImage(_TRUNCATED) from None
        raise InvalidImage(f"the image data is damaged ({exc}): save the picture again and upload that") from None
    except (SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImage(f"the image data is damaged ({exc}): save the picture again and upload that") from None
    return im


def _to_srgb(im: Image.Image, *, colour_managed: bool) -> Image.Image:
    """RGB pixels in sRGB: 16-bit scaled to 8, transparency flattened on white, the colour profile applied."""
    icc = im.info.get("icc_profile") if colour_managed else None
    if im.mode in _SIXTEEN_BIT_MODES:
        # A plain convert("L") clips every value above 255 to white; scale the 0..65535 range down instead.
        im = im.point(lambda v: v / 256).convert("L")
    elif im.mode == "F":
        im = im.convert("L")
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    if icc:
        converted = _apply_profile(im, icc)
        if converted is not None:
            return converted
    if im.mode != "RGB":
        try:
            im = im.convert("RGB")
        except ValueError:
            raise InvalidImage(f"unsupported colour mode {im.mode}: save the picture as RGB and upload that") from None
    return im


def _apply_profile(im: Image.Image, icc: bytes) -> Image.Image | None:
    """The image converted to sRGB through its embedded profile; None when the profile is sRGB, unusable or
    does not match the pixels (then the pixels are taken as sRGB, as browsers do)."""
    transform = _transform_to_srgb(icc, im.mode)
    if transform is None:
        return None
    return ImageCms.applyTransform(im, transform)


@lru_cache(maxsize=16)
def _transform_to_srgb(icc: bytes, mode: str):
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        return None
    description = (profile.profile.profile_description or "").lower()
    space = (profile.profile.xcolor_space or "").strip()
    if mode == "RGB" and "srgb" in description:
        return None
    if {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}.get(space) != mode:
        return None
    try:
        # NOCACHE: one cached transform may be applied by two decode threads at once (lcms's pixel cache is not
        # thread-safe).
        return ImageCms.buildTransform(
            profile, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL, flags=ImageCms.Flags.NOCACHE
        )
    except ImageCms.PyCMSError:
        return None


def _orientation(im: Image.Image) -> int:
    if im.format == "PNG" and "exif" not in im.info:
        # Pillow would decode the whole image to look for an EXIF chunk after the pixels; one before them is in info.
        return 1
    try:
        return int(im.getexif().get(ExifTags.Base.Orientation, 1))
    except (ValueError, TypeError, SyntaxError, OSError):
        return 1  # unreadable EXIF: show the pixels as stored


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return im.transpose(method) if method is not None else im


def _draft_request(size: tuple[int, int]) -> tuple[int, int]:
    """The size to ask libjpeg for: it picks the largest 1/2, 1/4, 1/8 reduction that stays at least this big."""
    width, height = size
    if width >= height:
        return (min(width, POSE_MIN_SIDE), 1)
    return (1, min(height, POSE_MIN_SIDE))


def _reduce_within(im: Image.Image, max_side: int) -> Image.Image:
    """Shrink by a whole factor (a box filter: cheap, no aliasing) until the long side is <= max_side.
    Always a new image, so callers may draw on the pose copy without touching the full one."""
    factor = -(-max(im.size) // max_side)
    return im.reduce(factor) if factor > 1 else im.copy()


def _format_name(im: Image.Image) -> str:
    return _DISPLAY_NAMES.get(im.format or "", im.format or "unknown")


def _describe_unknown(data: bytes) -> str:
    head = data[:1024]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text or b"<body" in text:
        return "not an image: the data looks like text/html (a web page); use the address of the image itself"
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return f"unsupported image format SVG (a vector drawing): export it as {_SUPPORTED_LIST}"
    if head.startswith(b"%PDF"):
        return f"not an image: the data is a PDF document; export the photo as {_SUPPORTED_LIST}"
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace").strip()
        name = "HEIC" if brand in {"heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"} else f"ISO media ({brand})"
        return f"unsupported image format {name}: export the photo as {_SUPPORTED_LIST}"
    if text.startswith((b"{", b"[")) and _looks_like_text(head):
        return "not an image: the data looks like application/json"
    if _looks_like_text(head):
        return "not an image: the data looks like text/plain"
    try:
        with Image.open(io.BytesIO(data)) as other:
            return f"unsupported image format {other.format}: upload a {_SUPPORTED_LIST} file"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return f"not an image: the data is not in any known image format (expected {_SUPPORTED_LIST})"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    decoded = head.decode("utf-8", errors="replace")
    odd = sum(1 for ch in decoded if ch == "\ufffd" or (ch < " " and ch not in "\t\r\n\f"))
    return odd <= len(decoded) // 50
