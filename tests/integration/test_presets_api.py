"""Output presets chosen per submission, through nginx to the real worker: the views come in the preset's ratio,
the record names the preset, each view says what of the preset's rules it misses; an unknown preset is refused."""
from __future__ import annotations

import io
import time
import uuid

import requests
from PIL import Image
from support.images import PHOTOS

from posecraft.views.presets import known_presets


def unique_jpeg(name: str) -> bytes:
    out = io.BytesIO()
    Image.open(PHOTOS / name).convert("RGB").save(out, "JPEG", quality=95, comment=uuid.uuid4().hex.encode())
    return out.getvalue()


def processed(base_url: str, image_id: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = requests.get(f"{base_url}/api/image-status/{image_id}", timeout=10).json()
        if status["status"] != "pending":
            return status
        assert time.monotonic() < deadline, f"image {image_id} still pending after {timeout} s"
        time.sleep(0.25)


def test_an_upload_for_zalando_gets_every_view_at_1_to_1_44_with_its_shortfalls_noted(system):
    answer = requests.post(f"{system.base_url}/api/process", files={"file": ("look.jpg", unique_jpeg("bus.jpg"))},
                           data={"preset": "zalando", "cutout": "true"}, timeout=30)
    assert answer.status_code == 202, answer.text

    status = processed(system.base_url, answer.json()["id"])

    assert status["status"] == "processed", status["error"]
    assert (status["preset"], status["cutout"]) == ("zalando", True)
    labels = [shot["label"] for shot in status["shots"]]
    assert "onwhite" in labels and "cutout" in labels
    for shot in status["shots"]:
        assert shot["width"] * 36 == shot["height"] * 25, shot  # 1:1.44 exactly
        # bus.jpg is 810 x 1080: no view can reach Zalando's 762 x 1100 minimum, and each says so.
        assert any("Zalando's minimum 762 x 1100" in note for note in shot["notes"]), shot
    cutout = next(shot for shot in status["shots"] if shot["label"] == "cutout")
    png = Image.open(io.BytesIO(requests.get(cutout["url"], timeout=10).content))
    assert png.mode == "RGBA" and png.getpixel((0, 0))[3] == 0  # a corner is background: transparent


def test_an_unknown_preset_is_refused_with_the_presets_there_are_and_nothing_is_recorded(system):
    before = requests.get(f"{system.base_url}/api/images?limit=1", timeout=10).json()["items"]

    answer = requests.post(f"{system.base_url}/api/process",
                           json={"imageUrl": "https://shop.example/a.jpg", "preset": "etsy"}, timeout=30)

    assert answer.status_code == 400
    assert answer.json()["error"].startswith("unknown preset 'etsy'")
    assert all(name in answer.json()["error"] for name in known_presets())
    assert requests.get(f"{system.base_url}/api/images?limit=1", timeout=10).json()["items"] == before


def test_processing_again_with_another_preset_recuts_the_views_in_its_ratio(system):
    answer = requests.post(f"{system.base_url}/api/process", files={"file": ("sq.jpg", unique_jpeg("messi5.jpg"))},
                           timeout=30)
    image_id = answer.json()["id"]
    first = processed(system.base_url, image_id)
    assert first["preset"] == "default"

    again = requests.post(f"{system.base_url}/api/images/{image_id}/reprocess", json={"preset": "shopify"},
                          timeout=30)
    assert again.status_code == 202, again.text
    status = processed(system.base_url, image_id)

    assert status["status"] == "processed" and status["preset"] == "shopify"
    assert status["shots"] and all(shot["width"] == shot["height"] for shot in status["shots"])
