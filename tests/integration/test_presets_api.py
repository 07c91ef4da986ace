"""Output presets chosen per submission, through nginx to the real worker: the views come in the preset's ratio,
the record names the preset, each view says what of the preset's rules it misses; an unknown preset is refused.
GET /api/presets lists those the server knows, the team's own (the stack's PRESETS_FILE: `lookbook`) included."""
from __future__ import annotations

import base64
import dataclasses
import io
import time
import uuid

import requests
from PIL import Image
from support.images import PHOTOS

from posecraft.cli import main as posecraft_cli
from posecraft.views.presets import known_presets
from status_service import create_app as create_status_app


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


def test_processing_again_with_upscale_enlarges_the_small_views_and_keeps_the_records_preset(system):
    answer = requests.post(f"{system.base_url}/api/process", json={
        "imageData": "data:image/jpeg;base64," + base64.b64encode(unique_jpeg("bus.jpg")).decode(), "preset": "zalando",
    }, timeout=30)
    image_id = answer.json()["id"]
    first = processed(system.base_url, image_id)
    assert first["upscale"] is False and all(not shot["upscaled"] and shot["notes"] for shot in first["shots"])

    again = requests.post(f"{system.base_url}/api/images/{image_id}/reprocess", json={"upscale": True}, timeout=30)
    assert again.status_code == 202, again.text
    status = processed(system.base_url, image_id)

    assert (status["status"], status["preset"], status["upscale"]) == ("processed", "zalando", True)
    for shot in status["shots"]:  # enlarged to Zalando's 762 x 1100 at 1:1.44: nothing left to note
        assert shot["upscaled"] and shot["notes"] == [] and shot["width"] >= 762 and shot["height"] >= 1100, shot


def test_a_flag_that_is_not_true_or_false_is_refused_with_its_name(system):
    answer = requests.post(f"{system.base_url}/api/process", files={"file": ("f.jpg", unique_jpeg("bus.jpg"))},
                           data={"upscale": "maybe"}, timeout=30)
    assert answer.status_code == 400 and answer.json()["error"] == "upscale must be true or false, not 'maybe'"


def cli_listing(monkeypatch, capsys, presets_file: str) -> dict[str, list[str]]:
    """`posecraft presets` as printed: each preset's name and its rules."""
    monkeypatch.setenv("PRESETS_FILE", presets_file)
    assert posecraft_cli(["presets"]) == 0
    listing: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  - "):
            listing[next(reversed(listing))].append(line[4:])  # a rule of the preset named last
        else:
            listing[line.split(":", 1)[0]] = []
    return listing


def test_the_page_reads_the_servers_presets_the_teams_own_included_in_the_words_the_cli_prints(
        system, monkeypatch, capsys):
    answer = requests.get(f"{system.base_url}/api/presets", timeout=10)

    assert answer.status_code == 200, answer.text
    presets = answer.json()
    assert [item["name"] for item in presets["items"]] == ["default", "amazon", "zalando", "shopify", "lookbook"]
    assert presets["default"] == "default"
    lookbook = presets["items"][-1]
    assert lookbook["title"] == "Lookbook"
    assert "every view 4:5 (width:height), padded with white if need be" in lookbook["rules"]
    assert "at least 800 x 1000" in lookbook["rules"]
    # What the page decides its enlarge hint by, as data rather than words.
    assert {item["name"]: (item["minSize"], item["minLongSide"], item["upscale"]) for item in presets["items"]} == {
        "default": (None, None, False), "amazon": (None, 1000, False), "zalando": ([762, 1100], None, False),
        "shopify": (None, None, False), "lookbook": ([800, 1000], None, False)}
    assert {item["name"]: item["rules"] for item in presets["items"]} == cli_listing(
        monkeypatch, capsys, system.settings.presets_file)


def test_the_presets_name_the_servers_default_preset(api_settings):
    settings = dataclasses.replace(api_settings, default_preset="lookbook")

    presets = create_status_app(settings).test_client().get("/api/presets").get_json()

    assert presets["default"] == "lookbook"
    assert "lookbook" in [item["name"] for item in presets["items"]]


def test_an_upload_for_the_teams_own_preset_gets_its_ratio_and_its_shortfalls(system):
    answer = requests.post(f"{system.base_url}/api/process",
                           files={"file": ("team.jpg", unique_jpeg("grace_hopper.jpg"))},
                           data={"preset": "lookbook"}, timeout=30)
    assert answer.status_code == 202, answer.text

    status = processed(system.base_url, answer.json()["id"])

    assert status["status"] == "processed", status["error"]
    assert status["preset"] == "lookbook"
    assert status["shots"]
    for shot in status["shots"]:
        assert shot["width"] * 5 == shot["height"] * 4, shot  # 4:5 exactly
        # grace_hopper.jpg is 512 x 600: no view reaches the team's 800 x 1000.
        assert any("below Lookbook's minimum 800 x 1000" in note for note in shot["notes"]), shot
