"""`posecraft views --preset NAME --cutout` and `posecraft presets` on real photos. Needs the model files."""
from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from posecraft.cli import main

PHOTOS = Path(__file__).parents[1] / "photos"


def test_preset_and_cutout_write_the_channels_views_and_a_transparent_png(tmp_path, capsys):
    code = main(["views", "--json", "--preset", "shopify", "--cutout", "--out", str(tmp_path), str(PHOTOS / "bus.jpg")])
    assert code == 0
    (report,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert report["preset"] == "shopify"
    views = {view["label"]: view for view in report["views"]}
    assert list(views) == ["neck", "sleeve", "zoom", "waist", "length", "onwhite", "cutout"]
    for view in views.values():
        with Image.open(view["path"]) as written:
            assert written.size == (view["width"], view["height"]) and view["width"] == view["height"]
    with Image.open(views["cutout"]["path"]) as cutout:
        assert views["cutout"]["path"].endswith("cutout.png") and cutout.mode == "RGBA"
    assert views["cutout"]["box"] == views["onwhite"]["box"]


def test_the_plain_line_names_what_a_preset_flags(tmp_path, capsys):
    assert main(["views", "--preset", "zalando", "--out", str(tmp_path), str(PHOTOS / "messi5.jpg")]) == 0
    line = capsys.readouterr().out.strip()
    assert "neck: below Zalando's minimum 762 x 1100: the view is" in line
    assert "(the photo is 548 x 342)" in line


def test_an_unknown_preset_fails_once_with_the_known_ones(tmp_path, capsys):
    assert main(["views", "--preset", "ebay", "--out", str(tmp_path), str(PHOTOS / "messi5.jpg")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown preset 'ebay': the presets are default, amazon, zalando, shopify" in captured.err


def test_presets_lists_each_preset_with_its_rules(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("default: Default (the default: DEFAULT_PRESET)\n")
    assert "zalando: Zalando\n  - every view 25:36 (width:height), padded with white if need be\n" in out
    assert "  - at least 1000 px on the longest side\n" in out and "shopify: Shopify\n" in out


def test_a_wrong_presets_file_is_reported_before_any_photo(tmp_path, capsys, monkeypatch):
    presets_file = tmp_path / "presets.json"
    presets_file.write_text(json.dumps({"myshop": {"aspect": "square"}}))
    monkeypatch.setenv("PRESETS_FILE", str(presets_file))
    assert main(["views", "--out", str(tmp_path), str(PHOTOS / "messi5.jpg")]) == 1
    assert "preset 'myshop', field 'aspect'" in capsys.readouterr().err
    assert main(["presets"]) == 1
