"""docs/OPERATING.md lists every setting with its default: the table must stay what posecraft.config.Settings is."""
from __future__ import annotations

import dataclasses
import re

from posecraft.config import REPO_ROOT, Settings

OPERATING = REPO_ROOT / "docs" / "OPERATING.md"
ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| (`[^`]*`|\(empty\)) \|")


def documented_settings() -> list[tuple[str, str]]:
    section = OPERATING.read_text().split("### Settings", 1)[1].split("\n### ", 1)[0]
    return [(m.group(1), m.group(2)) for line in section.splitlines() if (m := ROW.match(line))]


def shown_default(value) -> str:
    text = ",".join(value) if isinstance(value, tuple) else str(value)
    return f"`{text.replace(str(REPO_ROOT), '<checkout>')}`" if text else "(empty)"


def test_the_settings_table_lists_every_setting_in_order_with_its_default():
    expected = [(f.name.upper(), shown_default(f.default)) for f in dataclasses.fields(Settings)]
    assert documented_settings() == expected
