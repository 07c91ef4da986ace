"""The model files: found where the settings say, named in the error when missing, verified by hash."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from posecraft.config import Settings
from posecraft.errors import ModelsMissing
from posecraft.pose import models
from posecraft.pose.engine import PoseEngine

INSTALLED = Path(Settings.from_env({}).models_dir)


@pytest.fixture
def installed_copy(tmp_path) -> Path:
    """A models folder holding the installed files (hard links: no 40 MB copy)."""
    for model in models.ALL_MODELS:
        os.link(INSTALLED / model.name, tmp_path / model.name)
    return tmp_path


def test_missing_models_error_names_the_install_command(tmp_path):
    with pytest.raises(ModelsMissing) as error:
        PoseEngine(Settings.from_env({}, models_dir=str(tmp_path)))
    assert "python -m posecraft.pose.models install" in error.value.reason
    assert "pose_detection.tflite" in error.value.reason


def test_unknown_landmark_model_lists_the_choices(installed_copy):
    with pytest.raises(ValueError, match="choose one of full, lite, heavy"):
        models.model_paths(Settings.from_env({}, models_dir=str(installed_copy), pose_model="huge"))


def test_unknown_runtime_lists_the_choices(installed_copy):
    with pytest.raises(ValueError, match="litert, tensorflow"):
        PoseEngine(Settings.from_env({}, models_dir=str(installed_copy), pose_runtime="onnx"))


def test_install_into_a_complete_folder_fetches_nothing(installed_copy):
    messages = []
    assert models.install(installed_copy, log=messages.append) == []
    assert messages == [f"models already installed in {installed_copy}"]


def test_a_damaged_model_file_is_marked_for_reinstall(installed_copy):
    damaged = installed_copy / "pose_landmark_heavy.tflite"
    data = damaged.read_bytes()
    damaged.unlink()  # a hard link: replace it rather than write through to the installed file
    damaged.write_bytes(data[: len(data) // 2])
    assert [m.name for m in models.to_install(installed_copy)] == ["pose_landmark_heavy.tflite"]


def test_installed_files_match_their_pinned_hashes():
    assert models.to_install(INSTALLED) == []
