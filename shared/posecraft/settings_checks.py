"""Whether a process can run with its settings: every value checked, each problem naming the variable and what it
accepts. Every process calls it before it serves (the worker, gunicorn's master through
posecraft.http.gunicorn_config, `posecraft check`), so `VIEW_FORMAT=png` stops start-up instead of failing every
job, and a PRESETS_FILE that does not load (or a DEFAULT_PRESET naming no preset) stops it with the reason instead
of failing every submission.

The plain rules are `posecraft.config.RULES`; the ones here read the modules that own the choices (the pose models
and runtimes, the view recipes, the presets), which import the config: so the config never imports them.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from posecraft.config import RULES, VIEW_FORMATS, Settings, SettingsError, parse_environment, shown
from posecraft.errors import PoseCraftError
from posecraft.pose.models import LANDMARK_MODELS, model_paths
from posecraft.pose.runtimes import RUNTIMES
from posecraft.views.presets import PresetsFileError, known_presets
from posecraft.views.recipes import configured_recipes


def problems(settings: Settings, pose: bool = False, s3: bool = True) -> list[str]:
    """What is wrong with these settings, one line per variable, in field order (empty: all good).

    `pose` also checks what only the pose engine needs: that POSE_RUNTIME imports here and that the model files
    are in MODELS_DIR (the API services' images carry neither). `s3=False`: a command that never talks to S3
    (`posecraft views`, `posecraft keys`) needs no S3 secret.
    """
    found = []
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if not s3 and f.name == "s3_secret_key":
            continue
        if f.name in _SETTINGS_RULES:
            reason = _SETTINGS_RULES[f.name](settings)
        elif f.name in _ALL_RULES:
            accepts, accepted = _ALL_RULES[f.name]
            reason = accepts(value)
            reason = accepted if reason == "" else reason
        else:
            continue
        if reason is not None:
            found.append(f"{f.name.upper()}={shown(value)}: {reason}")
    if pose and not found:
        found += _pose_problems(settings)
    return found


def validated(settings: Settings, pose: bool = False, s3: bool = True) -> Settings:
    """These settings, or SettingsError listing every problem (see `problems`)."""
    found = problems(settings, pose, s3)
    if found:
        raise SettingsError(found)
    return settings


def environment_problems(environ: Mapping[str, str] | None = None, pose: bool = False) -> list[str]:
    """Every problem of the settings in `environ` at once: values that do not parse, then values not accepted."""
    settings, unparsed = parse_environment(environ)
    return unparsed + problems(settings, pose=pose and not unparsed)


def _one_of(names: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: str) -> str | None:
        return None if value in names else f"one of {', '.join(names)}"
    return check


def _view_aspects(value: tuple[str, ...]) -> str | None:
    try:
        configured_recipes(value)
    except ValueError as error:
        return str(error)
    return None


_ALL_RULES: dict[str, tuple[Callable[[Any], str | None], str]] = {
    **RULES,
    "pose_model": (_one_of(tuple(LANDMARK_MODELS)), ""),
    "pose_runtime": (_one_of(RUNTIMES), ""),
    "view_format": (_one_of(VIEW_FORMATS), ""),
    "view_aspects": (_view_aspects, ""),
}


def _default_preset(settings: Settings) -> str | None:
    try:
        names = tuple(known_presets(settings.presets_file))
    except PresetsFileError:
        return None  # PRESETS_FILE's own problem says why; the default is checked once the file loads
    if settings.default_preset in names:
        return None
    if settings.presets_file:
        return f"one of {', '.join(names)} (the built-in presets and those of PRESETS_FILE)"
    return f"one of {', '.join(names)}, or a team's own preset in a PRESETS_FILE (docs/VIEWS.md)"


def _presets_file(settings: Settings) -> str | None:
    try:
        known_presets(settings.presets_file)  # cached: the processes reuse what was checked here
    except PresetsFileError as error:
        return error.reason
    return None


# Rules that read another setting too (DEFAULT_PRESET may name a preset of PRESETS_FILE); each returns None when
# the value is fine, else the whole reason.
_SETTINGS_RULES: dict[str, Callable[[Settings], str | None]] = {
    "default_preset": _default_preset,
    "presets_file": _presets_file,
}


def _pose_problems(settings: Settings) -> list[str]:
    try:
        importlib.import_module(f"posecraft.pose.runtimes.{settings.pose_runtime}")
    except PoseCraftError as error:  # the runtime module names itself and the extra to install
        return [error.reason]
    except ImportError as error:
        return [f"POSE_RUNTIME={settings.pose_runtime!r}: cannot be imported here ({error})"]
    try:
        model_paths(settings)
    except PoseCraftError as error:
        return [f"MODELS_DIR={settings.models_dir!r}: {error.reason}"]
    return []
