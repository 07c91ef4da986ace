"""Settings checked before a process serves: a bad value is refused by the name of its variable, with what it accepts.

Every process runs the same check (posecraft.config): the worker at start, gunicorn's master through
posecraft.http.gunicorn_config, and `posecraft check` for the current environment without starting anything.
"""
from __future__ import annotations

import importlib
import logging
import sys

import pytest

from pose_worker.__main__ import checked_settings
from posecraft import settings_checks
from posecraft.cli import main
from posecraft.config import Settings, SettingsError
from posecraft.settings_checks import environment_problems

# The one setting without a default (no documented S3 secret): every check here is of a setup that has one.
SECRET = {"S3_SECRET_KEY": "a-long-random-secret"}


@pytest.fixture(autouse=True)
def _s3_secret_in_the_environment(monkeypatch):
    monkeypatch.setenv("S3_SECRET_KEY", SECRET["S3_SECRET_KEY"])  # for `posecraft check`, which reads os.environ


def test_the_defaults_pass_with_the_pose_runtime_and_the_installed_models():
    assert settings_checks.problems(Settings.from_env(SECRET), pose=True) == []


def test_without_an_s3_secret_the_check_says_it_is_required():
    assert environment_problems({}) == [
        "S3_SECRET_KEY='': required: the S3 endpoint's secret (a long random string; `make up` makes one)"]


@pytest.mark.parametrize(("variable", "value", "accepted"), [
    ("VIEW_FORMAT", "png", "one of jpeg, webp"),
    ("VIEW_QUALITY", "0", "a whole number from 1 to 100"),
    ("VIEW_QUALITY", "101", "a whole number from 1 to 100"),
    ("VIEW_QUALITY", "high", "a whole number from 1 to 100"),
    ("POSE_MODEL", "huge", "one of full, lite, heavy"),
    ("POSE_RUNTIME", "onnx", "one of litert, tensorflow"),
    ("VIEW_ASPECTS", "zoom=4x5", "aspect ratio '4x5' is not WIDTH:HEIGHT"),
    ("VIEW_ASPECTS", "hat=1:1", "no view named hat"),
    ("VIEW_ASPECTS", "zoom", "is not VIEW=WIDTH:HEIGHT"),
    ("QUEUE_VISIBILITY_TIMEOUT", "0", "above 0"),
    ("FETCH_TOTAL_TIMEOUT", "-5", "above 0"),
    ("FETCH_READ_TIMEOUT", "soon", "seconds, above 0"),
    ("MAX_UPLOAD_BYTES", "0", "above 0"),
    ("MAX_BATCH_URLS", "-1", "above 0"),
    ("JOB_MAX_ATTEMPTS", "0", "1 or more"),
    ("JOB_RETRY_DELAY", "-1", "0 or more"),
    ("POSE_THREADS", "0", "1 or more"),
    ("WORKER_METRICS_PORT", "70000", "a port from 1 to 65535, or 0"),
    ("FETCH_ALLOWED_PORTS", "8080,http", "ports from 1 to 65535"),
    ("MONGO_URL", "localhost:27017", "a mongodb:// or mongodb+srv:// URL"),
    ("REDIS_URL", "http://127.0.0.1:6379/0", "a redis:// or rediss:// URL"),
    ("REDIS_URL", "redis://127.0.0.1:port/0", "not a URL"),
    ("S3_ENDPOINT_URL", "127.0.0.1:8333", "an http:// or https:// URL"),
    ("S3_PUBLIC_URL", "ftp://cdn.example.com", "empty, or an http:// or https:// URL"),
    ("S3_BUCKET", "Images_2024", "an S3 bucket name"),
    ("MONGO_DB", "pose.craft", "a database name"),
    ("CORS_ORIGINS", "https://shop.example.com/page", "origins like https://shop.example.com"),
    ("LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_a_bad_value_is_named_with_what_its_variable_accepts(variable, value, accepted):
    problems = environment_problems({**SECRET, variable: value})

    assert len(problems) == 1
    named, _, reason = problems[0].partition(": ")
    assert named.startswith(f"{variable}=") and value in named  # the value as read: 0, -1.0, 'png'

    assert accepted in reason


@pytest.mark.parametrize(("variable", "value"), [
    ("VIEW_FORMAT", "webp"), ("VIEW_QUALITY", "1"), ("VIEW_QUALITY", "100"), ("VIEW_ASPECTS", "zoom=4:5, length=2:3"),
    ("POSE_MODEL", "heavy"), ("JOB_RETRY_DELAY", "0"), ("FETCH_MAX_REDIRECTS", "0"), ("WORKER_METRICS_PORT", "0"),
    ("MONGO_URL", "mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true"),
    ("REDIS_URL", "rediss://:secret@redis.example.net:6380/1"), ("S3_PUBLIC_URL", "https://cdn.example.com/views"),
    ("CORS_ORIGINS", "http://localhost:5173,https://shop.example.com"), ("CORS_ORIGINS", "*"), ("LOG_LEVEL", "debug"),
])
def test_good_values_pass(variable, value):
    assert environment_problems({**SECRET, variable: value}) == []


def test_every_problem_is_reported_at_once_in_the_order_of_the_settings():
    problems = environment_problems({**SECRET, "VIEW_FORMAT": "png", "VIEW_QUALITY": "0", "MONGO_URL": "localhost"})

    assert [problem.split("=")[0] for problem in problems] == ["MONGO_URL", "VIEW_FORMAT", "VIEW_QUALITY"]


def test_values_that_do_not_parse_stop_from_env_with_each_variable_named():
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"VIEW_QUALITY": "high", "FETCH_READ_TIMEOUT": "soon", "VIEW_FORMAT": "webp"})

    assert [problem.split("=")[0] for problem in error.value.problems] == ["FETCH_READ_TIMEOUT", "VIEW_QUALITY"]
    assert "VIEW_QUALITY='high': a whole number from 1 to 100" in str(error.value)


def test_validated_returns_good_settings_and_refuses_bad_ones_with_every_problem():
    good = Settings.from_env({**SECRET, "VIEW_FORMAT": "webp"})
    assert settings_checks.validated(good) is good

    with pytest.raises(SettingsError) as error:
        settings_checks.validated(Settings.from_env(SECRET, view_format="png", view_quality=0))
    assert error.value.problems == ["VIEW_FORMAT='png': one of jpeg, webp",
                                    "VIEW_QUALITY=0: a whole number from 1 to 100"]


def test_missing_model_files_are_a_problem_for_the_pose_engine_only(tmp_path):
    settings = Settings.from_env({**SECRET, "MODELS_DIR": str(tmp_path)})

    assert settings_checks.problems(settings) == []
    [problem] = settings_checks.problems(settings, pose=True)
    assert problem.startswith(f"MODELS_DIR={str(tmp_path)!r}: ")
    assert "pose_detection.tflite" in problem and "python -m posecraft.pose.models install" in problem


@pytest.mark.parametrize(("runtime", "package", "extra"), [("tensorflow", "tensorflow", "tensorflow"),
                                                          ("litert", "ai_edge_litert", "worker")])
def test_a_runtime_that_cannot_be_imported_is_named_with_how_to_install_it(monkeypatch, runtime, package, extra):
    # None in sys.modules makes the import fail here as on a machine without the extra (the API images).
    for name in [package, *(name for name in sys.modules if name.startswith(f"{package}."))]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, f"posecraft.pose.runtimes.{runtime}", raising=False)

    [problem] = settings_checks.problems(Settings.from_env({**SECRET, "POSE_RUNTIME": runtime}), pose=True)

    assert problem.startswith(f"POSE_RUNTIME={runtime} needs ")
    assert problem.endswith(f"pip install 'posecraft[{extra}]'")


def test_posecraft_check_prints_every_problem_and_exits_1(monkeypatch, capsys):
    monkeypatch.setenv("VIEW_FORMAT", "png")
    monkeypatch.setenv("QUEUE_VISIBILITY_TIMEOUT", "0")

    assert main(["check"]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "posecraft: QUEUE_VISIBILITY_TIMEOUT=0: seconds, above 0",
        "posecraft: VIEW_FORMAT='png': one of jpeg, webp",
    ]


def test_posecraft_check_says_so_when_every_setting_is_valid(monkeypatch, capsys):
    monkeypatch.setenv("VIEW_FORMAT", "webp")

    assert main(["check"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert "settings are valid" in out and "POSE_RUNTIME=litert imports" in out


def test_posecraft_check_no_pose_leaves_out_the_model_files_as_the_api_services_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MODELS_DIR", str(tmp_path))

    assert main(["check"]) == 1
    assert main(["check", "--no-pose"]) == 0
    assert "MODELS_DIR" in capsys.readouterr().err


def test_posecraft_views_refuses_a_bad_setting_before_reading_any_photo(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("VIEW_QUALITY", "0")

    assert main(["views", "--out", str(tmp_path / "views"), str(tmp_path / "missing.jpg")]) == 1

    assert capsys.readouterr().err == "posecraft: VIEW_QUALITY=0: a whole number from 1 to 100\n"
    assert not (tmp_path / "views").exists()


# --- output presets: PRESETS_FILE is loaded at start and DEFAULT_PRESET must name one of the presets there are ------

def presets_file(folder, content: str | bytes) -> str:
    path = folder / "presets.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


LOOKBOOK = '{"lookbook": {"title": "Lookbook", "aspect": "4:5", "min_size": [800, 1000]}}'


def test_a_default_preset_not_in_the_presets_file_is_refused_at_start_with_the_known_names(tmp_path):
    environment = {**SECRET, "PRESETS_FILE": presets_file(tmp_path, LOOKBOOK), "DEFAULT_PRESET": "lookbok"}

    assert environment_problems(environment) == [
        "DEFAULT_PRESET='lookbok': one of default, amazon, zalando, shopify, lookbook "
        "(the built-in presets and those of PRESETS_FILE)"]


def test_a_default_preset_no_built_in_one_has_says_a_teams_own_go_in_a_presets_file():
    assert environment_problems({**SECRET, "DEFAULT_PRESET": "ebay"}) == [
        "DEFAULT_PRESET='ebay': one of default, amazon, zalando, shopify, "
        "or a team's own preset in a PRESETS_FILE (docs/VIEWS.md)"]


def test_a_default_preset_of_the_presets_file_and_a_built_in_one_pass(tmp_path):
    path = presets_file(tmp_path, LOOKBOOK)

    assert environment_problems({**SECRET, "PRESETS_FILE": path, "DEFAULT_PRESET": "lookbook"}) == []
    assert environment_problems({**SECRET, "PRESETS_FILE": path, "DEFAULT_PRESET": "zalando"}) == []
    assert environment_problems({**SECRET, "PRESETS_FILE": presets_file(tmp_path, "{}")}) == []


@pytest.mark.parametrize(("content", "reason"), [
    (None, "cannot read it (No such file or directory)"),
    ("a folder", "cannot read it (Is a directory)"),
    ("{", "not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    (b"\xff\xfe\x00", "not JSON ('utf-8' codec can't decode byte 0xff in position 0: invalid start byte)"),
    ('["lookbook"]', 'expected an object of presets by name, e.g. {"myshop": {...}}'),
    ('{"my shop": {}}', "preset name 'my shop' must be letters, digits, '-' or '_'"),
    ('{"myshop": {"aspect": "square"}}',
     "preset 'myshop', field 'aspect': aspect ratio 'square' is not WIDTH:HEIGHT in whole numbers, e.g. 3:4"),
    ('{"myshop": {"min_fill": 85}}',
     "preset 'myshop', field 'min_fill': must be a fraction above 0 and at most 1 (0.85 for 85 %), got 85"),
    ('{"myshop": {"colour": "red"}}', "preset 'myshop', field 'colour': unknown field (fields: aspect, best_size, "),
])
def test_a_presets_file_that_does_not_load_is_refused_at_start_naming_the_preset_and_the_field(
        tmp_path, content, reason):
    if content is None:
        path = str(tmp_path / "missing.json")
    elif content == "a folder":
        path = str(tmp_path)
    else:
        path = presets_file(tmp_path, content)

    [problem] = environment_problems({**SECRET, "PRESETS_FILE": path})

    assert problem.startswith(f"PRESETS_FILE={path!r}: {reason}")


def test_with_a_broken_presets_file_only_the_file_is_named_not_the_default_preset_it_would_hold(tmp_path):
    path = presets_file(tmp_path, '{"lookbook": {"format": "png"}}')

    assert environment_problems({**SECRET, "PRESETS_FILE": path, "DEFAULT_PRESET": "lookbook"}) == [
        f"PRESETS_FILE={path!r}: preset 'lookbook', field 'format': must be one of jpeg, webp, got \"png\""]


def test_posecraft_check_names_the_presets_files_wrong_field_and_the_default_preset_it_lacks(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PRESETS_FILE", presets_file(tmp_path, '{"lookbook": {"best_size": [1600]}}'))

    assert main(["check", "--no-pose"]) == 1
    assert capsys.readouterr().err == (
        f"posecraft: PRESETS_FILE={str(tmp_path / 'presets.json')!r}: preset 'lookbook', field 'best_size': "
        "must be [WIDTH, HEIGHT] in whole pixels above 0, got [1600]\n")

    monkeypatch.setenv("PRESETS_FILE", presets_file(tmp_path, LOOKBOOK))
    monkeypatch.setenv("DEFAULT_PRESET", "Lookbook")  # the title, not the name
    assert main(["check", "--no-pose"]) == 1
    assert "posecraft: DEFAULT_PRESET='Lookbook': one of default, amazon, zalando, shopify, lookbook" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("service", ["ingest_service", "status_service"])
def test_a_service_started_with_a_bad_presets_file_refuses_it_by_name_before_it_connects_anywhere(
        monkeypatch, tmp_path, service):
    # gunicorn's master refuses it first (posecraft.http.gunicorn_config); the app factory checks the same on its own.
    create_app = importlib.import_module(service).create_app
    missing = str(tmp_path / "presets.json")
    monkeypatch.setenv("PRESETS_FILE", missing)

    with pytest.raises(SettingsError) as error:
        create_app()

    assert error.value.problems == [f"PRESETS_FILE={missing!r}: cannot read it (No such file or directory)"]


def test_the_worker_refuses_a_default_preset_no_preset_has_and_logs_the_known_names(monkeypatch, caplog):
    monkeypatch.setenv("DEFAULT_PRESET", "amazon-de")

    with caplog.at_level(logging.ERROR, logger="pose_worker"):
        assert checked_settings() is None

    assert [record.getMessage() for record in caplog.records] == [
        "cannot start: DEFAULT_PRESET='amazon-de': one of default, amazon, zalando, shopify, "
        "or a team's own preset in a PRESETS_FILE (docs/VIEWS.md)"]
