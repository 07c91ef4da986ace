"""`make up` needs no S3 secret set and none is documented: the stack makes one in its data folder at first start
and keeps it; a secret that is set wins."""
from __future__ import annotations

import stat

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports


def stack(tmp_path, settings: Settings) -> DevStack:
    return DevStack(settings, run_dir=tmp_path / "run", data_dir=tmp_path / "data", ports=Ports.free())


def test_the_first_start_makes_a_random_secret_in_the_data_folder_and_later_starts_keep_it(tmp_path):
    first = stack(tmp_path, Settings.from_env({})).settings.s3_secret_key
    again = stack(tmp_path, Settings.from_env({})).settings.s3_secret_key
    elsewhere = stack(tmp_path / "other", Settings.from_env({})).settings.s3_secret_key

    assert len(first) >= 43 and first == again and elsewhere != first  # 256 bits, base64url
    saved = tmp_path / "data" / "s3-secret"
    assert saved.read_text().strip() == first
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_a_secret_that_is_set_is_used_and_none_is_made(tmp_path):
    settings = Settings.from_env({"S3_SECRET_KEY": "set-by-the-operator"})

    assert stack(tmp_path, settings).settings.s3_secret_key == "set-by-the-operator"
    assert not (tmp_path / "data" / "s3-secret").exists()
