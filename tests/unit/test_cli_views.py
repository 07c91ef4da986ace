"""`posecraft views` on real photos: the files it says it wrote exist and decode, failures are reported per photo.

Needs the model files (`python -m posecraft.pose.models install`).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from support.images import PHOTOS

from posecraft.cli import main


def run_views(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["views", *map(str, args)])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_json_debug_out_writes_every_view_and_an_overlay_that_decode(tmp_path, capsys):
    code, reports = run_views(capsys, "--json", "--debug", "--out", tmp_path, PHOTOS / "bus.jpg", PHOTOS / "astronaut.png")
    assert code == 0
    bus, astronaut = reports
    assert bus["image"] == str(PHOTOS / "bus.jpg") and bus["people"] >= 2
    assert [view["label"] for view in bus["views"]] == ["neck", "sleeve", "zoom", "waist", "length", "onwhite"]
    # Two whole standing men: the subject is not certain, the page and the record say so.
    assert bus["ambiguous"] is True and astronaut["ambiguous"] is False
    for view in bus["views"]:
        assert view["padded"] is False and isinstance(view["lowResolution"], bool)
        assert view["reach"] == ("feet" if view["label"] == "length" else None)
    assert len(bus["keypoints"]) == 33 and all(len(point) == 3 for point in bus["keypoints"])
    assert {skipped["label"] for skipped in astronaut["skipped"]} >= {"waist", "length"}
    assert all(skipped["reason"] for skipped in astronaut["skipped"])
    for report in reports:
        for view in report["views"]:
            x0, y0, x1, y1 = view["box"]
            with Image.open(view["path"]) as written:
                assert written.format == "JPEG"
                assert written.size == (view["width"], view["height"]) == (x1 - x0, y1 - y0)
        with Image.open(report["overlay"]) as overlay, Image.open(report["image"]) as original:
            assert overlay.format == "PNG" and overlay.size == original.size


def test_a_failing_photo_is_reported_and_the_others_still_processed(tmp_path, capsys):
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("shopping list")
    nobody = tmp_path / "empty-studio.png"
    Image.linear_gradient("L").resize((640, 480)).save(nobody)
    photos = [not_an_image, PHOTOS / "messi5.jpg", nobody, tmp_path / "missing.jpg"]
    code, reports = run_views(capsys, "--json", "--out", tmp_path / "views", *photos)
    assert code == 1
    assert [report["image"] for report in reports] == [str(photo) for photo in photos]
    errors = [report.get("error") for report in reports]
    assert "not an image" in errors[0]
    assert errors[1] is None and len(reports[1]["views"]) == 6
    assert errors[2] == "no person found in the image"
    assert "cannot read the file" in errors[3] and "No such file" in errors[3]
    assert set(reports[0]) == {"image", "error"}


def test_photos_with_the_same_name_get_separate_folders(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "look.jpg").write_bytes((PHOTOS / "messi5.jpg").read_bytes())
    code, reports = run_views(capsys, "--json", "--out", tmp_path / "views", tmp_path / "a/look.jpg", tmp_path / "b/look.jpg")
    assert code == 0
    folders = [Path(report["views"][0]["path"]).parent.name for report in reports]
    assert folders == ["look", "look-2"]


def test_json_says_when_a_view_is_padded(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VIEW_ASPECTS", "length=1:1")  # messi5's kick is wider than the photo is high
    code, (report,) = run_views(capsys, "--json", "--out", tmp_path, PHOTOS / "messi5.jpg")
    assert code == 0
    views = {view["label"]: view for view in report["views"]}
    assert views["length"]["padded"] is True and views["length"]["reach"] == "feet"
    assert views["neck"]["padded"] is False


def test_plain_output_warns_when_the_photo_holds_several_people_alike(tmp_path, capsys):
    assert main(["views", "--out", str(tmp_path), str(PHOTOS / "bus.jpg")]) == 0
    assert "(several people: check the views)" in capsys.readouterr().out


def test_plain_output_says_what_was_found_and_skipped(tmp_path, capsys):
    assert main(["views", "--out", str(tmp_path), str(PHOTOS / "grace_hopper.jpg")]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{PHOTOS / 'grace_hopper.jpg'}: 1 person found, 2 views")  # neck and on white
    assert "length skipped (needs the hips: not visible)" in line


def test_installed_command_keeps_stdout_to_one_json_object_per_photo(tmp_path):
    # The console script as a user runs it: logs and the progress bar (on a terminal) go to stderr.
    script = Path(sys.executable).with_name("posecraft")
    if not script.exists():
        pytest.skip("the posecraft console script is not installed in this environment (pip install -e .)")
    done = subprocess.run(
        [script, "views", "--json", "--out", tmp_path, PHOTOS / "messi5.jpg", PHOTOS / "basketball1.png"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["image"] for line in done.stdout.splitlines()] == [
        str(PHOTOS / "messi5.jpg"), str(PHOTOS / "basketball1.png")
    ]


def test_missing_models_fail_once_with_the_install_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MODELS_DIR", str(tmp_path / "no-models"))
    assert main(["views", str(PHOTOS / "messi5.jpg")]) == 1
    assert "python -m posecraft.pose.models install" in capsys.readouterr().err
