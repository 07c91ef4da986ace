"""Output presets: what a sales channel asks of every view, as data, and the pure rules that apply them.

A preset may fix every view's ratio (kept for wide regions too: the channel's frame is portrait or square), scale
views larger than its best size down to it, name the smallest size it accepts (a smaller view is flagged, not
enlarged, unless the preset says `upscale`), ask how much of the on-white frame the person fills, and fix the
file format. A ratio the photo cannot give by growing the box is padded with white (geometry.fit_box).

Flags are short reasons a person can read: what of the preset's rules a view misses, and why.

A team's own presets come from a JSON file (the PRESETS_FILE setting), validated when loaded:

    {"myshop": {"title": "My shop", "aspect": "4:5", "best_size": [1600, 2000], "min_size": [800, 1000],
                "min_long_side": 1000, "min_fill": 0.85, "format": "jpeg", "upscale": false}}
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from posecraft.errors import MalformedRequest, UnknownPreset
from posecraft.records import OutputOptions
from posecraft.views.recipes import ViewRecipe, parse_aspect

if TYPE_CHECKING:
    from posecraft.config import Settings

FORMATS = ("jpeg", "webp")
Size = tuple[int, int]


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    aspect: Size | None = None  # every view's width:height; None: each view's own ratio
    best_size: Size | None = None  # larger views are scaled down to fit inside it, keeping their ratio
    min_size: Size | None = None  # a view narrower or lower than this is flagged
    min_long_side: int | None = None  # a view whose longest side is shorter is flagged
    min_fill: float | None = None  # the on-white person spans at least this much of the frame's longer side
    format: str | None = None  # the channel's file format; None: the VIEW_FORMAT setting
    upscale: bool = False  # enlarge views below min_size / min_long_side to it (marked upscaled) instead of flagging

    def rules(self) -> list[str]:
        """The preset's rules in words, for `posecraft presets` and the page's preset picker (GET /api/presets)."""
        rules = []
        if self.aspect:
            rules.append(f"every view {self.aspect[0]}:{self.aspect[1]} (width:height), padded with white if need be")
        if self.best_size:
            rules.append(f"larger views scaled down to fit {self.best_size[0]} x {self.best_size[1]}")
        if self.min_size:
            rules.append(f"at least {self.min_size[0]} x {self.min_size[1]}")
        if self.min_long_side:
            rules.append(f"at least {self.min_long_side} px on the longest side")
        if self.min_fill:
            rules.append(f"the on-white person fills at least {self.min_fill:.0%} of the frame's longer side")
        if self.format:
            rules.append(f"{self.format.upper()} files")
        if self.min_size or self.min_long_side:
            rules.append("smaller views enlarged (marked upscaled)" if self.upscale else "smaller views flagged")
        return rules or ["the views as configured (VIEW_ASPECTS, VIEW_FORMAT)"]

    def to_json(self) -> dict[str, object]:
        """The preset as GET /api/presets lists it: name, title, rules (the words `posecraft presets` prints) and
        what a page decides by: its minimum size, if any, and whether it enlarges smaller views itself."""
        return {"name": self.name, "title": self.title, "rules": self.rules(),
                "minSize": list(self.min_size) if self.min_size else None, "minLongSide": self.min_long_side,
                "upscale": self.upscale}


BUILT_IN: tuple[Preset, ...] = (
    Preset("default", "Default"),
    # Amazon's main image: pure white background, product >= 85 % of the frame, >= 1000 px for zoom, JPEG.
    Preset("amazon", "Amazon", min_long_side=1000, min_fill=0.85, format="jpeg"),
    # Zalando: 1:1.44 portrait (25:36), best 1801 x 2600 (the largest 25:36 inside it is 1800 x 2592),
    # at least 762 x 1100, JPG.
    Preset("zalando", "Zalando", aspect=(25, 36), best_size=(1801, 2600), min_size=(762, 1100), format="jpeg"),
    # Shopify themes: 2048 x 2048 squares.
    Preset("shopify", "Shopify", aspect=(1, 1), best_size=(2048, 2048)),
)


def apply_to_recipes(preset: Preset, recipes: Iterable[ViewRecipe]) -> tuple[ViewRecipe, ...]:
    """The recipes with the preset's ratio, which does not turn for a wide region."""
    if preset.aspect is None:
        return tuple(recipes)
    return tuple(dataclasses.replace(recipe, aspect=preset.aspect, turns=False) for recipe in recipes)


def output_size(preset: Preset, size: Size, upscale: bool = False) -> Size:
    """The pixel size a view cut as `size` is written at under the preset (larger only if it, or the submission
    with `upscale`, asks to enlarge views below its minimum).

    Always the view's own ratio exactly: a whole multiple of its reduced width:height (a 3:4 view of 1500 x 2000
    scaled into 1000 x 1000 is 750 x 1000).
    """
    width, height = size
    unit = math.gcd(width, height)
    ratio_w, ratio_h = width // unit, height // unit
    if preset.best_size and (width > preset.best_size[0] or height > preset.best_size[1]):
        units = min(preset.best_size[0] // ratio_w, preset.best_size[1] // ratio_h)
        if units >= 1:
            return (units * ratio_w, units * ratio_h)
        scale = min(preset.best_size[0] / width, preset.best_size[1] / height)  # a ratio of huge numbers
        return (max(1, round(width * scale)), max(1, round(height * scale)))
    if preset.upscale or upscale:
        # The fewest whole units of the ratio that reach every minimum (integers: 1000 / 102 * 102 is not 1000).
        units = unit
        if preset.min_size:
            units = max(units, -(-preset.min_size[0] // ratio_w), -(-preset.min_size[1] // ratio_h))
        if preset.min_long_side:
            units = max(units, -(-preset.min_long_side // max(ratio_w, ratio_h)))
        return (units * ratio_w, units * ratio_h)
    return size


def flags(preset: Preset, size: Size, image_size: Size, fill: float | None = None) -> tuple[str, ...]:
    """What of the preset's rules a view written at `size` misses, in words. `fill`: for an on-white view, how much
    of the frame's longer side the person spans (0..1)."""
    width, height = size
    photo = f"the photo is {image_size[0]} x {image_size[1]}"
    found = []
    if preset.min_size and (width < preset.min_size[0] or height < preset.min_size[1]):
        found.append(
            f"below {preset.title}'s minimum {preset.min_size[0]} x {preset.min_size[1]}: "
            f"the view is {width} x {height} ({photo})"
        )
    if preset.min_long_side and max(width, height) < preset.min_long_side:
        found.append(
            f"under {preset.min_long_side} px on its longest side ({preset.title}'s minimum for zoom): "
            f"the view is {width} x {height} ({photo})"
        )
    if preset.min_fill and fill is not None and fill < preset.min_fill:
        side = "height" if height >= width else "width"
        found.append(
            f"the person fills {fill:.0%} of the frame's {side}: {preset.title} asks for {preset.min_fill:.0%}"
        )
    return tuple(found)


class PresetsFileError(ValueError):
    """A PRESETS_FILE that cannot be used; `reason` says why, naming the preset and the field when one is wrong."""

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"PRESETS_FILE {path}: {reason}")
        self.reason = reason


def load_presets(path: str | Path) -> dict[str, Preset]:
    """A team's presets from a JSON file: {name: {field: value}}; PresetsFileError naming the preset and the field."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise PresetsFileError(path, f"cannot read it ({error.strerror or error})") from None
    except ValueError as error:  # not JSON, or not text at all
        raise PresetsFileError(path, f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise PresetsFileError(path, "expected an object of presets by name, e.g. {\"myshop\": {...}}")
    try:
        return {name: parse_preset(name, fields) for name, fields in data.items()}
    except ValueError as error:
        raise PresetsFileError(path, str(error)) from None


def parse_preset(name: str, fields: object) -> Preset:
    """One preset from its JSON fields; ValueError naming the preset and the field."""

    def fail(field: str, problem: str) -> ValueError:
        return ValueError(f"preset {name!r}, field {field!r}: {problem}")

    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"preset name {name!r} must be letters, digits, '-' or '_'")
    if not isinstance(fields, dict):
        raise ValueError(f"preset {name!r} must be an object of fields")
    known = {f.name for f in dataclasses.fields(Preset)} - {"name"}
    for field in fields:
        if field not in known:
            raise fail(field, f"unknown field (fields: {', '.join(sorted(known))})")
    values: dict[str, object] = {"name": name, "title": fields.get("title", name)}
    if not isinstance(values["title"], str) or not values["title"]:
        raise fail("title", "must be a non-empty string")
    if fields.get("aspect") is not None:
        try:
            values["aspect"] = parse_aspect(str(fields["aspect"]))
        except ValueError as error:
            raise fail("aspect", str(error)) from None
    for field in ("best_size", "min_size"):
        if fields.get(field) is not None:
            size = fields[field]
            if not (isinstance(size, list) and len(size) == 2 and all(_positive_int(v) for v in size)):
                raise fail(field, f"must be [WIDTH, HEIGHT] in whole pixels above 0, got {json.dumps(size)}")
            values[field] = (size[0], size[1])
    if fields.get("min_long_side") is not None:
        if not _positive_int(fields["min_long_side"]):
            raise fail("min_long_side", f"must be whole pixels above 0, got {json.dumps(fields['min_long_side'])}")
        values["min_long_side"] = fields["min_long_side"]
    if fields.get("min_fill") is not None:
        fill = fields["min_fill"]
        if isinstance(fill, bool) or not isinstance(fill, (int, float)) or not 0 < fill <= 1:
            raise fail("min_fill", f"must be a fraction above 0 and at most 1 (0.85 for 85 %), got {json.dumps(fill)}")
        values["min_fill"] = float(fill)
    if fields.get("format") is not None:
        if fields["format"] not in FORMATS:
            raise fail("format", f"must be one of {', '.join(FORMATS)}, got {json.dumps(fields['format'])}")
        values["format"] = fields["format"]
    if "upscale" in fields:
        if not isinstance(fields["upscale"], bool):
            raise fail("upscale", f"must be true or false, got {json.dumps(fields['upscale'])}")
        values["upscale"] = fields["upscale"]
    return Preset(**values)  # type: ignore[arg-type]


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@lru_cache(maxsize=8)
def known_presets(presets_file: str = "") -> Mapping[str, Preset]:
    """The built-in presets and, from `presets_file` (the PRESETS_FILE setting), the team's own (which may
    replace a built-in of the same name)."""
    presets = {preset.name: preset for preset in BUILT_IN}
    if presets_file:
        presets.update(load_presets(presets_file))
    return presets


def get_preset(name: str, presets_file: str = "") -> Preset:
    """The preset of that name; ValueError listing the known ones."""
    presets = known_presets(presets_file)
    if name not in presets:
        raise ValueError(f"unknown preset {name!r}: the presets are {', '.join(presets)}")
    return presets[name]


def default_output(settings: Settings) -> OutputOptions:
    """The output a submission gets for what it does not ask: DEFAULT_PRESET, VIEW_CUTOUT, no enlarging."""
    return OutputOptions(settings.default_preset, settings.view_cutout)


def requested_output(fields: Mapping[str, object], defaults: OutputOptions, presets_file: str = "") -> OutputOptions:
    """The output options a submission asks for: `fields` (its `preset`, `cutout` and `upscale`, as JSON values or
    a form's text) over `defaults` for what it leaves out or empty. UnknownPreset lists the presets there are."""
    preset = fields.get("preset")
    name = defaults.preset if preset in (None, "") else preset
    if not isinstance(name, str):
        raise UnknownPreset(f"preset must be a preset's name, not {name!r}")
    try:
        get_preset(name, presets_file)
    except ValueError as exc:
        raise UnknownPreset(str(exc)) from None
    return OutputOptions(name, _flag(fields, "cutout", defaults.cutout), _flag(fields, "upscale", defaults.upscale))


OUTPUT_FIELDS = ("preset", "cutout", "upscale")
_FLAGS = {"true": True, "1": True, "on": True, "yes": True, "false": False, "0": False, "off": False, "no": False}


def _flag(fields: Mapping[str, object], name: str, default: bool) -> bool:
    value = fields.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    raise MalformedRequest(f"{name} must be true or false, not {value!r}")
