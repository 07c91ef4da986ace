"""Decoding uploads: what a user would see of each kind of file, and the reason when one is refused.

Every image is made here with Pillow (or by hand, for the broken ones); no models, no services.
"""
from __future__ import annotations

import io
import resource
import struct

import numpy as np
import pytest
from PIL import Image
from support.images import png_claiming

from posecraft.errors import ImageTooLarge, InvalidImage
from posecraft.imaging import decode_image, probe_image, verify_image

LIMIT = 50_000_000
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def encoded(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def close(actual, expected, tolerance=12):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def halves(size, left, right, mode="RGB"):
    """An image whose left half is `left` and right half is `right`."""
    im = Image.new(mode, size, left)
    im.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return im


def test_exif_rotated_jpeg_is_shown_upright_in_both_copies():
    # Stored landscape, red left and blue right; EXIF 6 says "turn 90° clockwise to show": red ends up on top.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encoded(halves((400, 200), RED, BLUE), "JPEG", exif=exif.tobytes(), quality=95)
    decoded = decode_image(data, max_pixels=LIMIT)
    assert (decoded.width, decoded.height) == (200, 400) == decoded.image.size
    assert close(decoded.image.getpixel((100, 50)), RED) and close(decoded.image.getpixel((100, 350)), BLUE)
    assert decoded.pose_image.size == (200, 400)
    assert close(decoded.pose_image.getpixel((100, 50)), RED)
    assert probe_image(data, max_pixels=LIMIT).width == 200


def test_cmyk_jpeg_comes_out_in_rgb_with_its_colours():
    data = encoded(halves((64, 32), (0, 255, 255, 0), (255, 255, 0, 0), mode="CMYK"), "JPEG", quality=95)
    decoded = decode_image(data, max_pixels=LIMIT)
    assert decoded.image.mode == "RGB" and decoded.pose_image.mode == "RGB"
    assert close(decoded.image.getpixel((8, 16)), RED) and close(decoded.image.getpixel((56, 16)), BLUE)


def test_sixteen_bit_png_keeps_its_tones_instead_of_going_white():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (16, 1))
    data = encoded(Image.fromarray(ramp), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    image = decode_image(data, max_pixels=LIMIT).image
    assert image.mode == "RGB"
    middle = image.getpixel((128, 8))
    assert 120 <= middle[0] <= 135 and middle[0] == middle[1] == middle[2]  # mid grey, not clipped to 255
    assert image.getpixel((0, 8)) == (0, 0, 0) and image.getpixel((255, 8)) == WHITE


def test_palette_png_with_a_transparent_colour_is_flattened_on_white():
    im = Image.new("P", (40, 20), 0)
    im.putpalette([0, 0, 0, *RED] + [0] * 762)
    im.paste(1, (20, 0, 40, 20))
    data = encoded(im, "PNG", transparency=0)
    image = decode_image(data, max_pixels=LIMIT).image
    assert image.getpixel((5, 10)) == WHITE  # the transparent colour (black in the palette) is white
    assert image.getpixel((35, 10)) == RED


@pytest.mark.parametrize("mode, colour, expected", [("RGBA", (255, 0, 0, 128), (255, 127, 127)), ("LA", (0, 0), WHITE)])
def test_alpha_is_flattened_on_white(mode, colour, expected):
    data = encoded(Image.new(mode, (10, 10), colour), "PNG")
    assert close(decode_image(data, max_pixels=LIMIT).image.getpixel((5, 5)), expected, tolerance=2)


@pytest.mark.parametrize("fmt, name", [("GIF", "GIF"), ("WEBP", "WebP"), ("TIFF", "TIFF")])
def test_animated_or_multi_page_image_gives_its_first_frame(fmt, name):
    frames = [Image.new("RGB", (30, 30), colour) for colour in (RED, GREEN, BLUE)]
    extra = {"lossless": True} if fmt == "WEBP" else {}
    data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **extra)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    decoded = decode_image(data, max_pixels=LIMIT)
    assert decoded.format == name and decoded.image.getpixel((15, 15)) == RED


def test_greyscale_jpeg_becomes_grey_rgb():
    data = encoded(Image.new("L", (50, 40), 90), "JPEG")
    image = decode_image(data, max_pixels=LIMIT).image
    assert image.mode == "RGB" and image.size == (50, 40)
    r, g, b = image.getpixel((25, 20))
    assert r == g == b and abs(r - 90) <= 2


def test_one_pixel_image_decodes_to_one_pixel():
    decoded = decode_image(encoded(Image.new("RGB", (1, 1), GREEN), "PNG"), max_pixels=LIMIT)
    assert decoded.image.size == decoded.pose_image.size == (1, 1)
    assert decoded.scale == (1.0, 1.0) and decoded.image.getpixel((0, 0)) == GREEN


@pytest.mark.parametrize("fmt, name", [("PNG", "PNG"), ("WEBP", "WebP"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("GIF", "GIF")])
def test_every_supported_format_decodes_and_names_itself(fmt, name):
    data = encoded(halves((60, 30), RED, BLUE), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    decoded = decode_image(data, max_pixels=LIMIT)
    assert decoded.format == name == probe_image(data, max_pixels=LIMIT).format
    assert close(decoded.image.getpixel((10, 15)), RED) and close(decoded.image.getpixel((50, 15)), BLUE)


def test_large_jpeg_gets_a_small_pose_copy_of_the_same_picture():
    data = encoded(halves((4000, 3000), RED, BLUE), "JPEG", quality=90)
    decoded = decode_image(data, max_pixels=LIMIT)
    assert decoded.image.size == (4000, 3000)
    assert max(decoded.pose_image.size) <= 1024
    sx, sy = decoded.scale
    assert decoded.pose_image.width * sx == 4000 and decoded.pose_image.height * sy == 3000
    # The same place in both pictures has the same colour.
    for x, y in [(1000, 1500), (3000, 1500)]:
        assert close(decoded.pose_image.getpixel((int(x / sx), int(y / sy))), decoded.image.getpixel((x, y)))


def test_large_exif_rotated_jpeg_pose_copy_lines_up_with_the_full_image():
    # Stored 2600 x 1800, red left / blue right, EXIF 8 ("turn 90° anticlockwise"): shown 1800 x 2600, blue on top.
    exif = Image.Exif()
    exif[0x0112] = 8
    data = encoded(halves((2600, 1800), RED, BLUE), "JPEG", exif=exif.tobytes(), quality=90)
    decoded = decode_image(data, max_pixels=LIMIT)
    assert decoded.image.size == (decoded.width, decoded.height) == (1800, 2600)
    sx, sy = decoded.scale
    assert decoded.pose_image.width * sx == 1800 and decoded.pose_image.height * sy == 2600
    for x, y, colour in [(900, 400, BLUE), (900, 2200, RED)]:
        assert close(decoded.image.getpixel((x, y)), colour)
        assert close(decoded.pose_image.getpixel((int(x / sx), int(y / sy))), colour)


def test_large_png_gets_a_small_pose_copy_too():
    decoded = decode_image(encoded(Image.new("RGB", (3000, 1000), GREEN), "PNG"), max_pixels=LIMIT)
    assert decoded.pose_image.size == (1000, 334) and decoded.scale[0] == 3.0


def test_embedded_colour_profile_is_converted_to_srgb():
    # A profile whose "red" primary is sRGB's green: a pixel stored as pure red is green on screen.
    data = encoded(Image.new("RGB", (8, 8), RED), "PNG", icc_profile=swapped_primaries_profile())
    decoded = decode_image(data, max_pixels=LIMIT)
    r, g, b = decoded.image.getpixel((4, 4))
    assert g > 200 and r < 60, (r, g, b)


def test_decompression_bomb_is_refused_from_its_header_with_memory_flat():
    data = png_claiming(64000, 64000)
    assert len(data) < 10_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImageTooLarge) as refused:
        decode_image(data, max_pixels=LIMIT)
    with pytest.raises(ImageTooLarge):
        probe_image(data, max_pixels=LIMIT)
    assert "50000000 pixels max, got 64000×64000" in refused.value.reason
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000  # decoding it would take 12 GB


def test_pixel_limit_is_the_configured_one():
    data = encoded(Image.new("RGB", (100, 100)), "PNG")
    assert decode_image(data, max_pixels=10_000).image.size == (100, 100)
    with pytest.raises(ImageTooLarge, match="9999 pixels max, got 100×100"):
        decode_image(data, max_pixels=9_999)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file_says_it_is_truncated(fmt):
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    data = encoded(noise, fmt)
    with pytest.raises(InvalidImage, match="the image is truncated"):
        decode_image(data[: len(data) // 2], max_pixels=LIMIT)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"<!DOCTYPE html>\n<html><head><title>Not found</title></head></html>", "not an image: the data looks like text/html"),
        (b"just some words in a file named photo.jpg\n", "not an image: the data looks like text/plain"),
        (b'{"error": "forbidden"}', "not an image: the data looks like application/json"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not an image: the data is a PDF document"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "unsupported image format SVG"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "unsupported image format HEIC"),
        (bytes(range(256)) * 4, "not an image: the data is not in any known image format"),
    ],
)
def test_data_that_is_not_a_supported_image_is_refused_with_a_reason(data, reason):
    with pytest.raises(InvalidImage) as refused:
        decode_image(data, max_pixels=LIMIT)
    assert refused.value.reason.startswith(reason)
    with pytest.raises(InvalidImage):
        probe_image(data, max_pixels=LIMIT)


def test_image_in_a_format_we_do_not_take_is_named():
    data = encoded(Image.new("RGB", (32, 32), RED), "ICO")
    with pytest.raises(InvalidImage, match="unsupported image format ICO"):
        decode_image(data, max_pixels=LIMIT)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_upload_check_reads_every_byte_and_refuses_a_truncated_file(fmt):
    noise = Image.fromarray(np.random.default_rng(2).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    data = encoded(noise, fmt)
    probe = verify_image(data, max_pixels=LIMIT)
    assert (probe.format, probe.width, probe.height) == (fmt, 400, 300)
    with pytest.raises(InvalidImage, match="the image is truncated"):
        verify_image(data[: len(data) * 9 // 10], max_pixels=LIMIT)


@pytest.mark.parametrize("fmt", ["TIFF", "GIF", "BMP"])
def test_upload_check_refuses_a_truncated_file_of_the_other_formats(fmt):
    noise = Image.fromarray(np.random.default_rng(3).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    data = encoded(noise, fmt)
    assert verify_image(data, max_pixels=LIMIT).format == fmt
    with pytest.raises(InvalidImage, match="the image is truncated"):
        verify_image(data[: len(data) * 9 // 10], max_pixels=LIMIT)


def declaring(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with another size written in its frame header (SOF): its data stays what it was."""
    pos = 2
    while data[pos + 1] not in (0xC0, 0xC1, 0xC2):
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    return data[: pos + 5] + struct.pack(">HH", height, width) + data[pos + 9:]


@pytest.mark.parametrize("params", [{}, {"subsampling": 0}, {"restart_marker_blocks": 2}], ids=str)
@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_upload_check_refuses_a_jpeg_declaring_more_pixels_than_its_data_holds(params, mode):
    # libjpeg fills the missing rows with grey and says nothing: before, a JPEG declaring 7000 x 7000 with the
    # data of a 1400 x 1000 photo was accepted, and the worker would have cut views from 49 MP of mostly grey.
    photo = Image.fromarray(np.random.default_rng(4).integers(0, 255, (1000, 1400, 3), dtype=np.uint8))
    data = encoded(photo.convert(mode), "JPEG", quality=90, **params)
    assert verify_image(data, max_pixels=LIMIT).width == 1400
    for width, height in ((7000, 7000), (1400, 1016)):  # 49 MP, and one row of blocks more
        with pytest.raises(InvalidImage, match="the image is truncated"):
            verify_image(declaring(data, width, height), max_pixels=LIMIT)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_upload_check_refuses_a_progressive_jpeg_declaring_more_pixels_than_its_data_holds(mode):
    # A progressive JPEG needs its end marker, so it cannot be cut there; its missing blocks decode to exact grey.
    photo = Image.fromarray(np.random.default_rng(5).integers(0, 255, (1000, 1400, 3), dtype=np.uint8))
    data = encoded(photo.convert(mode), "JPEG", quality=90, progressive=True)
    assert verify_image(data, max_pixels=LIMIT).width == 1400
    for width, height in ((7000, 7000), (1400, 1200)):  # 49 MP, and a sixth more rows than the data holds
        with pytest.raises(InvalidImage, match="the image is truncated: its bottom rows hold no data"):
            verify_image(declaring(data, width, height), max_pixels=LIMIT)


@pytest.mark.parametrize("params", [{}, {"progressive": True}], ids=["baseline", "progressive"])
def test_upload_check_takes_a_jpeg_with_bytes_after_its_end(params):
    data = encoded(halves((320, 240), RED, BLUE), "JPEG", **params) + b"<html><script>alert(1)</script></html>"
    assert verify_image(data, max_pixels=LIMIT).format == "JPEG"


def test_upload_check_refuses_a_png_whose_data_ends_before_its_rows_do():
    with pytest.raises(InvalidImage, match="the image is truncated"):
        verify_image(png_claiming(2000, 2000), max_pixels=LIMIT)


def peak_rss_growth_mb(run) -> float:
    """How far this process's resident memory rises above where it was while `run()` runs (Linux: the peak is
    reset first through /proc/self/clear_refs)."""
    def status(field: str) -> int:
        with open("/proc/self/status") as lines:
            return next(int(line.split()[1]) for line in lines if line.startswith(field))

    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    before = status("VmRSS:")
    run()
    return (status("VmHWM:") - before) / 1024


@pytest.mark.parametrize("fmt, mode, params", [
    ("PNG", "RGB", {}), ("PNG", "I;16", {}), ("TIFF", "RGB", {"compression": "tiff_adobe_deflate"}),
    ("WEBP", "RGB", {"lossless": True}), ("JPEG", "RGB", {"quality": 50}),
], ids=["PNG", "PNG 16-bit", "TIFF deflate", "WebP lossless", "JPEG"])
def test_upload_check_of_a_49_megapixel_image_of_zeros_holds_little_more_than_the_file(fmt, mode, params):
    # Before: 190 MB for the PNG (Pillow decoded it whole, even to look for EXIF), 190 MB for the TIFF, 750 MB
    # for the WebP (libwebp's frame, its copy and Pillow's image).
    data = encoded(Image.new(mode, (7000, 7000)), fmt, **params)

    grown = peak_rss_growth_mb(lambda: verify_image(data, max_pixels=LIMIT))

    assert grown < 30 + len(data) / 1e6, f"{grown:.0f} MB"


def test_probe_reads_the_header_only():
    data = encoded(Image.new("RGB", (640, 480)), "JPEG")
    probe = probe_image(data[:2000], max_pixels=LIMIT)  # the pixel data is not even there
    assert (probe.format, probe.width, probe.height) == ("JPEG", 640, 480)


# --- hand-made files --------------------------------------------------------------------------------



def swapped_primaries_profile() -> bytes:
    """An ICC v2 RGB display profile (matrix + gamma 2.2) with sRGB's red and green primaries swapped."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x, y, z):
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    desc_text = b"swapped primaries\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(desc_text)) + desc_text + b"\0" * 12 + b"\0" * 67
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)),  # sRGB's green
        (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0none\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size) + b"\0\0\0\0" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp"
        + b"\0" * 24 + b"\0\0\0\0" + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body
