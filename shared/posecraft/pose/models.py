"""The BlazePose model files: where they come from, their pinned SHA-256, and the install step.

`python -m posecraft.pose.models install` fills `Settings.models_dir` from two packages (at install time,
never at run time): the PyPI wheel of mediapipe 0.10.21 carries the detector and the `full` landmark
model, the npm package @mediapipe/pose carries `lite` and `heavy`. Every file is checked against the
hash recorded here; a file already present with the right hash is not fetched again.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posecraft.config import Settings
from posecraft.errors import ModelsMissing

INSTALL_COMMAND = "python -m posecraft.pose.models install"

MEDIAPIPE_WHEEL = "mediapipe==0.10.21"
MEDIAPIPE_NPM = "@mediapipe/pose@0.5.1675469404"


@dataclass(frozen=True)
class ModelFile:
    name: str
    sha256: str
    source: str  # "wheel" or "npm"
    member: str  # the path inside the wheel (zip) or the npm tarball


DETECTOR = ModelFile(
    "pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "wheel",
    "mediapipe/modules/pose_detection/pose_detection.tflite",
)
LANDMARK_MODELS = {
    "full": ModelFile(
        "pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        "wheel",
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    ),
    "lite": ModelFile(
        "pose_landmark_lite.tflite",
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
        "npm",
        "package/pose_landmark_lite.tflite",
    ),
    "heavy": ModelFile(
        "pose_landmark_heavy.tflite",
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
        "npm",
        "package/pose_landmark_heavy.tflite",
    ),
}
ALL_MODELS = (DETECTOR, *LANDMARK_MODELS.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def to_install(models_dir: Path) -> list[ModelFile]:
    """The model files missing from `models_dir` or not matching their pinned hash."""
    return [m for m in ALL_MODELS if not ((models_dir / m.name).is_file() and _sha256(models_dir / m.name) == m.sha256)]


def model_paths(settings: Settings) -> tuple[Path, Path]:
    """The detector and landmark model files for `settings`; ModelsMissing names the install command.

    Only existence is checked here (hashing 30 MB on every start would cost more than loading);
    the install step verified the hashes.
    """
    if settings.pose_model not in LANDMARK_MODELS:
        raise ValueError(
            f"POSE_MODEL={settings.pose_model!r} is not a BlazePose landmark model; "
            f"choose one of {', '.join(LANDMARK_MODELS)}"
        )
    models_dir = Path(settings.models_dir)
    wanted = (DETECTOR, LANDMARK_MODELS[settings.pose_model])
    missing = [m.name for m in wanted if not (models_dir / m.name).is_file()]
    if missing:
        raise ModelsMissing(
            f"pose model files missing from {models_dir}: {', '.join(missing)}; "
            f"install them with `{INSTALL_COMMAND}`"
        )
    return models_dir / wanted[0].name, models_dir / wanted[1].name


def _fetch_wheel(workdir: Path) -> zipfile.ZipFile:
    # Any platform's wheel of this version carries the same .tflite files; pip picks this machine's.
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(workdir), MEDIAPIPE_WHEEL],
        check=True,
    )
    (wheel,) = workdir.glob("mediapipe-*.whl")
    return zipfile.ZipFile(wheel)


def _fetch_npm(workdir: Path) -> tarfile.TarFile:
    subprocess.run(["npm", "pack", "--silent", MEDIAPIPE_NPM], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    (tgz,) = workdir.glob("mediapipe-pose-*.tgz")
    return tarfile.open(tgz)


def _read_member(tar: tarfile.TarFile, member: str) -> bytes:
    extracted = tar.extractfile(member)
    if extracted is None:
        raise FileNotFoundError(f"{member} is not a file in the npm package")
    return extracted.read()


def install(models_dir: Path, log=print) -> list[str]:
    """Fetch, verify and write every model file not yet present; returns the names written."""
    models_dir.mkdir(parents=True, exist_ok=True)
    todo = to_install(models_dir)
    if not todo:
        log(f"models already installed in {models_dir}")
        return []
    with tempfile.TemporaryDirectory(prefix="posecraft-models-") as tmp:
        workdir = Path(tmp)
        archives: dict[str, Callable[[str], bytes]] = {}
        if any(m.source == "wheel" for m in todo):
            log(f"pip download {MEDIAPIPE_WHEEL}")
            wheel = _fetch_wheel(workdir)
            archives["wheel"] = wheel.read
        if any(m.source == "npm" for m in todo):
            log(f"npm pack {MEDIAPIPE_NPM}")
            tar = _fetch_npm(workdir)
            archives["npm"] = functools.partial(_read_member, tar)
        for model in todo:
            data = archives[model.source](model.member)
            actual = hashlib.sha256(data).hexdigest()
            if actual != model.sha256:
                raise RuntimeError(
                    f"{model.name} from {model.source} has SHA-256 {actual}, expected {model.sha256}; not installed"
                )
            # Write then rename: an interrupted install never leaves a truncated model behind.
            partial = models_dir / (model.name + ".partial")
            with open(partial, "wb") as f:
                f.write(data)
            partial.replace(models_dir / model.name)
            log(f"installed {model.name} ({len(data):,} bytes, sha256 ok)")
    return [m.name for m in todo]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecraft.pose.models", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["install"])
    parser.add_argument("--dir", help="models folder (default: Settings.models_dir, env MODELS_DIR)")
    args = parser.parse_args(argv)
    models_dir = Path(args.dir or Settings.from_env().models_dir)
    install(models_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
