"""Attacks on the ingest service through nginx, against the real gunicorn workers: an image that costs memory out
of all proportion to its size, an image whose data ends before its declared size, and bodies that break the
parser (JSON nested 100 000 deep, a form of 5000 parts)."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
import requests
from PIL import Image
from support.images import PHOTOS

from posecraft.stores.images import ImageRepository


@pytest.fixture(scope="module")
def repository(system):
    repository = ImageRepository.from_settings(system.settings)
    yield repository
    repository.close()


def zeros_png(width: int, height: int) -> bytes:
    """An RGB PNG of black pixels, compressed as tightly as zlib can (7000 x 7000: 140 KB for 147 MB of pixels)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def gunicorn_workers(process) -> list[int]:
    """The worker processes of a gunicorn master (its children)."""
    with open(f"/proc/{process.popen.pid}/task/{process.popen.pid}/children") as children:
        return [int(pid) for pid in children.read().split()]


def memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))


def test_a_49_megapixel_png_of_zeros_is_validated_by_an_ingest_worker_in_bounded_memory(system):
    # Before: the worker that took it went from 76 MB to 265 MB resident (Pillow decoded all 49 MP); now +3.5 MB.
    png = zeros_png(7000, 7000)
    workers = gunicorn_workers(system.processes["ingest"])
    for pid in workers:
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")  # the peak (VmHWM) starts again from the resident size now
    resident = {pid: memory_kib(pid, "VmRSS:") for pid in workers}

    response = requests.post(f"{system.base_url}/api/process", files={"file": ("zeros.png", png, "image/png")},
                             timeout=60)

    growth_mb = max(memory_kib(pid, "VmHWM:") - resident[pid] for pid in workers) / 1024
    assert response.status_code == 202, response.text
    assert growth_mb < 50, f"an ingest worker grew by {growth_mb:.0f} MB"


def declaring(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with another size in its frame header: its data stays what it was."""
    pos = 2
    while data[pos + 1] not in (0xC0, 0xC1, 0xC2):
        pos += 2 + struct.unpack_from(">H", data, pos + 2)[0]
    return data[: pos + 5] + struct.pack(">HH", height, width) + data[pos + 9:]


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_jpeg_declaring_7000_by_7000_with_data_for_1_4_megapixels_is_refused_as_truncated(
        system, repository, progressive):
    photo = Image.open(PHOTOS / "bus.jpg").convert("RGB").resize((1400, 1000))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90, progressive=progressive)
    before = repository.count()

    # Before: 202, and a job to cut views from 49 MP that libjpeg had filled with grey.
    response = requests.post(f"{system.base_url}/api/process",
                             files={"file": ("big.jpg", declaring(out.getvalue(), 7000, 7000), "image/jpeg")},
                             timeout=30)

    assert response.status_code == 422
    assert "truncated" in response.json()["error"]
    assert repository.count() == before


# The two below need the lead's files: posecraft.http.json_body.parse_json_body in ingest_service/routes.py's
# _json_object, and Werkzeug's too-many-parts 413 told apart in posecraft/http/web.py (see the security report).


def test_json_nested_100000_deep_is_a_400_with_a_reason_not_a_500(system, repository):
    before = repository.count()

    # Before: 500 "internal error" (RecursionError in json.loads).
    response = requests.post(f"{system.base_url}/api/process-batch", data=b"[" * 100_000,
                             headers={"Content-Type": "application/json"}, timeout=30)

    assert response.status_code == 400
    assert "levels deep" in response.json()["error"]
    assert repository.count() == before


def test_a_form_of_5000_parts_is_refused_saying_it_has_too_many_parts(system, repository):
    fields = [(f"field{i}", (None, "x")) for i in range(5000)]
    files = [("file", ("bus.jpg", (PHOTOS / "bus.jpg").read_bytes(), "image/jpeg")), *fields]
    before = repository.count()

    # Before: 413 "the request body is over the 8 MB limit" for a body of 600 KB.
    response = requests.post(f"{system.base_url}/api/process", files=files, timeout=30)

    assert response.status_code in (400, 413)
    assert "parts" in response.json()["error"]
    assert repository.count() == before
