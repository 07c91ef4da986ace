"""`posecraft views [--out DIR] [--json] [--debug] [--preset NAME] [--cutout] [--upscale] PHOTO...`: the worker's pipeline on
local files, no services. `posecraft presets`: the output presets and their rules.
(`posecraft migrate` rewrites the image records of an older schema in MONGO_URL's database, as the services also
do when they start, and moves views stored at guessable keys under their records' tokens in S3. `posecraft keys
create NAME | list | revoke NAME` manages the API keys.)
`posecraft check [--no-pose]`: the settings of this environment checked as every process checks them at start.

Each photo's views go to DIR/<photo name>/<label>.jpg (.webp with VIEW_FORMAT=webp; cutout.png with --cutout;
overlay.png with --debug). With --json, one JSON object per photo on stdout; otherwise one line per photo. The exit
status is 1 when any photo failed. Settings come from the environment as for the services (POSE_MODEL,
POSE_RUNTIME, POSE_THREADS, VIEW_FORMAT, DEFAULT_PRESET, PRESETS_FILE, VIEW_CUTOUT, ...).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from posecraft import settings_checks
from posecraft.config import Settings, SettingsError
from posecraft.errors import PoseCraftError
from posecraft.settings_checks import environment_problems
from posecraft.views.presets import default_output, known_presets, requested_output

if TYPE_CHECKING:
    from posecraft.pipeline import PhotoAnalysis

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
        "ambiguous": analysis.ambiguous,
        "preset": analysis.preset,
        "views": [
            {
                "label": view.label, "box": list(view.box), "width": view.width, "height": view.height,
                "lowResolution": view.low_resolution, "padded": view.padded, "reach": view.reach,
                "upscaled": view.upscaled, "flags": list(view.flags), "path": str(path),
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
    if report["ambiguous"]:
        line += " (several people: check the views)"
    if report["views"]:
        line += f" in {Path(report['views'][0]['path']).parent}"
    for skipped in report["skipped"]:
        line += f"; {skipped['label']} skipped ({skipped['reason']})"
    for view in report["views"]:
        for flag in view["flags"]:
            line += f"; {view['label']}: {flag}"
    return line


def views_command(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: `posecraft check` runs in the API images too, which have neither numpy nor tqdm.
    from tqdm import tqdm

    from posecraft.pipeline import analyze_photo
    from posecraft.pose.engine import get_engine

    try:
        get_engine(settings)  # load the models once, and fail once if they are missing
    except PoseCraftError as error:
        print(f"posecraft: {error.reason}", file=sys.stderr)
        return 1
    try:  # PRESETS_FILE and DEFAULT_PRESET were checked with the settings; --preset is checked here
        output = requested_output({"preset": args.preset, "cutout": args.cutout or None,
                                   "upscale": args.upscale or None}, default_output(settings), settings.presets_file)
    except PoseCraftError as error:
        print(f"posecraft: {error.reason}", file=sys.stderr)
        return 1
    failed = 0
    folders = _output_dirs(args.photos, Path(args.out))
    progress = tqdm(total=len(args.photos), unit="photo", file=sys.stderr, disable=True if len(args.photos) < 2 else None)
    for photo, folder in zip(args.photos, folders, strict=False):
        try:
            data = Path(photo).read_bytes()
            analysis = analyze_photo(data, settings, overlay=args.debug, output=output)
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
    for preset in known_presets(settings.presets_file).values():
        default = " (the default: DEFAULT_PRESET)" if preset.name == settings.default_preset else ""
        print(f"{preset.name}: {preset.title}{default}")
        for rule in preset.rules():
            print(f"  - {rule}")
    return 0


def migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    from posecraft.stores.images import ImageRepository
    from posecraft.stores.storage import Storage
    from posecraft.view_moves import move_guessable_views

    repository = ImageRepository.from_settings(settings)
    try:
        migrated = repository.prepare()
        moved = move_guessable_views(repository, Storage.from_settings(settings))
    except PoseCraftError as error:
        print(f"posecraft: {error.reason}", file=sys.stderr)
        return 1
    finally:
        repository.close()
    print(f"{migrated} image records migrated to the current schema in {settings.mongo_db}; "
          f"the views of {moved} moved under their view tokens in S3")
    return 0


def keys_command(args: argparse.Namespace, settings: Settings) -> int:
    """`keys create NAME` prints the new key alone on its last line; `keys list`; `keys revoke NAME`."""
    from posecraft.stores.images import ImageRepository
    from posecraft.stores.keys import KeyExists

    repository = ImageRepository.from_settings(settings)
    keys = repository.api_keys()
    try:
        if args.action == "create":
            key = keys.create(args.name)
            print(f"API key {args.name!r} created; it is shown only now, keep it somewhere safe:")
            print(key)
        elif args.action == "list":
            for stored in keys.list():
                used = stored.last_used_at.isoformat(timespec="seconds") if stored.last_used_at else "never"
                print(f"{stored.name}\tcreated {stored.created_at.isoformat(timespec='seconds')}\tlast used {used}")
        elif not keys.revoke(args.name):
            print(f"posecraft: no key named {args.name!r}", file=sys.stderr)
            return 1
        else:
            print(f"API key {args.name!r} revoked; every service refuses it within seconds")
    except (PoseCraftError, KeyExists) as error:
        print(f"posecraft: {getattr(error, 'reason', error)}", file=sys.stderr)
        return 1
    finally:
        repository.close()
    return 0


COMMANDS = {"views": views_command, "migrate": migrate_command, "keys": keys_command, "presets": presets_command}


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"posecraft: {problem}", file=sys.stderr)


def check_command(args: argparse.Namespace) -> int:
    problems = environment_problems(pose=args.pose)
    if problems:
        _print_problems(problems)
        return 1
    settings = Settings.from_env()
    what = f"{len(dataclasses.fields(settings))} settings are valid"
    if args.pose:
        what += f"; POSE_RUNTIME={settings.pose_runtime} imports and POSE_MODEL={settings.pose_model} is in {settings.models_dir}"
    print(what)
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
    views.add_argument("--upscale", action="store_true",
                       help="enlarge views below the preset's minimum size to it (marked upscaled) instead of flagging")
    commands.add_parser("presets", help="list the output presets and their rules")
    commands.add_parser("migrate", help="rewrite image records of an older schema (MONGO_URL, MONGO_DB)")
    keys = commands.add_parser("keys", help="API keys: create, list, revoke (MONGO_URL, MONGO_DB)")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("create", help="make a key and print it (only its hash is stored)").add_argument("name")
    key_actions.add_parser("list", help="the keys' names, creation and last use (never the keys)")
    key_actions.add_parser("revoke", help="refuse a key from now on").add_argument("name")
    check = commands.add_parser(
        "check", help="check the settings of this environment without starting anything",
        description="Check every setting (environment variables) as the services and the worker do at start; "
                    "print each problem, naming the variable and what it accepts. Exit status 1 when any is wrong.",
    )
    check.add_argument("--no-pose", dest="pose", action="store_false",
                       help="skip the pose runtime and model files (the API services need neither)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return check_command(args)
    try:
        # Only `migrate` talks to S3 (it moves older views); `views` and `presets` only to the pose engine.
        settings = settings_checks.validated(Settings.from_env(), pose=args.command == "views", s3=args.command == "migrate")
    except SettingsError as error:
        _print_problems(error.problems)
        return 1
    return COMMANDS[args.command](args, settings)


if __name__ == "__main__":
    sys.exit(main())
