"""`posecraft views [--out DIR] [--json] [--debug] [--preset NAME] [--cutout] PHOTO...`: the worker's pipeline on
local files, no services. `posecraft presets`: the output presets and their rules.

Each photo's views go to DIR/<photo name>/<label>.jpg (.webp with VIEW_FORMAT=webp; cutout.png with --cutout;
overlay.png with --debug). With --json, one JSON object per photo on stdout; otherwise one line per photo. The exit
status is 1 when any photo failed. Settings come from the environment as for the services (POSE_MODEL,
POSE_RUNTIME, POSE_THREADS, VIEW_FORMAT, DEFAULT_PRESET, PRESETS_FILE, VIEW_CUTOUT, ...).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from posecraft.config import Settings
from posecraft.errors import PoseCraftError
from posecraft.pipeline import PhotoAnalysis, analyze_photo
from posecraft.pose.engine import get_engine
from posecraft.views.presets import known_presets

EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp", "image/png": "png"}


def _output_dirs(photos: list[str], out: Path) -> list[Path]:
    """One folder per photo, named after it; photos with the same name get -2, -3, ... in the order given."""
    seen: dict[str, int] = {}
    dirs = []
    for photo in photos:
        stem = Path(photo).stem or "photo"
        seen[stem] = seen.get(stem, 0) + 1
        dirs.append(out / (stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"))
    return dirs


def _write(analysis: PhotoAnalysis, folder: Path) -> tuple[list[Path], Path | None]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for view in analysis.views:
        path = folder / f"{view.label}.{EXTENSIONS[view.content_type]}"
        path.write_bytes(view.data)
        paths.append(path)
    overlay_path = None
    if analysis.overlay is not None:
        overlay_path = folder / "overlay.png"
        analysis.overlay.save(overlay_path)
    return paths, overlay_path


def _report(photo: str, analysis: PhotoAnalysis, paths: list[Path], overlay_path: Path | None) -> dict:
    report = {
        "image": photo,
        "people": analysis.people,
        "preset": analysis.preset,
        "views": [
            {
                "label": view.label, "box": list(view.box), "width": view.width, "height": view.height,
                "padded": view.padded, "upscaled": view.upscaled, "flags": list(view.flags), "path": str(path),
            }
            for view, path in zip(analysis.views, paths, strict=False)
        ],
        "skipped": [{"label": skipped.label, "reason": skipped.reason} for skipped in analysis.skipped],
        "keypoints": [[round(x, 2), round(y, 2), round(visibility, 4)] for x, y, visibility in analysis.keypoints],
    }
    if overlay_path is not None:
        report["overlay"] = str(overlay_path)
    return report


def _summary(report: dict) -> str:
    if "error" in report:
        return f"{report['image']}: failed: {report['error']}"
    people = report["people"]
    line = f"{report['image']}: {people} {'person' if people == 1 else 'people'} found, {len(report['views'])} views"
    if report["views"]:
        line += f" in {Path(report['views'][0]['path']).parent}"
    for skipped in report["skipped"]:
        line += f"; {skipped['label']} skipped ({skipped['reason']})"
    for view in report["views"]:
        for flag in view["flags"]:
            line += f"; {view['label']}: {flag}"
    return line


def views_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        get_engine(settings)  # load the models once, and fail once if they are missing
        presets = known_presets(settings.presets_file)
    except PoseCraftError as error:
        print(f"posecraft: {error.reason}", file=sys.stderr)
        return 1
    except ValueError as error:  # PRESETS_FILE is wrong
        print(f"posecraft: {error}", file=sys.stderr)
        return 1
    preset = args.preset or settings.default_preset
    if preset not in presets:
        print(f"posecraft: unknown preset {preset!r}: the presets are {', '.join(presets)}", file=sys.stderr)
        return 1
    failed = 0
    folders = _output_dirs(args.photos, Path(args.out))
    progress = tqdm(total=len(args.photos), unit="photo", file=sys.stderr, disable=True if len(args.photos) < 2 else None)
    for photo, folder in zip(args.photos, folders, strict=False):
        try:
            data = Path(photo).read_bytes()
            analysis = analyze_photo(data, settings, overlay=args.debug, preset=preset, cutout=args.cutout or None)
            report = _report(photo, analysis, *_write(analysis, folder))
        except PoseCraftError as error:
            report = {"image": photo, "error": error.reason}
        except OSError as error:
            report = {"image": photo, "error": f"cannot read the file: {error.strerror or error}"}
        failed += "error" in report
        progress.write(json.dumps(report) if args.json else _summary(report), file=sys.stdout)
        progress.update()
    progress.close()
    return 1 if failed else 0


def presets_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        presets = known_presets(settings.presets_file)
    except ValueError as error:
        print(f"posecraft: {error}", file=sys.stderr)
        return 1
    for preset in presets.values():
        default = " (the default: DEFAULT_PRESET)" if preset.name == settings.default_preset else ""
        print(f"{preset.name}: {preset.title}{default}")
        for rule in preset.rules():
            print(f"  - {rule}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posecraft", description="Garment views cut around the body keypoints.")
    commands = parser.add_subparsers(dest="command", required=True)
    views = commands.add_parser(
        "views", help="cut the garment views of local photos", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    views.add_argument("photos", nargs="+", metavar="PHOTO", help="image files (JPEG, PNG, WebP, GIF, BMP, TIFF)")
    views.add_argument("--out", default="views", metavar="DIR", help="where the views are written (default: ./views)")
    views.add_argument("--json", action="store_true", help="print one JSON object per photo on stdout")
    views.add_argument("--debug", action="store_true", help="also write overlay.png: the skeleton and the view boxes")
    views.add_argument("--preset", metavar="NAME", help="output preset (see `posecraft presets`; default: DEFAULT_PRESET)")
    views.add_argument("--cutout", action="store_true", help="also write cutout.png: the person on transparency")
    commands.add_parser("presets", help="list the output presets and their rules")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = presets_command if args.command == "presets" else views_command
    return command(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
