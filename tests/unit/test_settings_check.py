"""Settings checked before a process serves: a bad value is refused by the name of its variable, with what it accepts.

Every process runs the same check (posecraft.config): the worker at start, gunicorn's master through
posecraft.gunicorn_config, and `posecraft check` for the current environment without starting anything.
"""
from __future__ import annotations

import sys

import pytest

from posecraft.cli import main
from posecraft.config import Settings, SettingsError, environment_problems

# The one setting without a default (no documented S3 secret): every check here is of a setup that has one.
SECRET = {"S3_SECRET_KEY": "a-long-random-secret"}


@pytest.fixture(autouse=True)
def _s3_secret_in_the_environment(monkeypatch):
    monkeypatch.setenv("S3_SECRET_KEY", SECRET["S3_SECRET_KEY"])  # for `posecraft check`, which reads os.environ


def test_the_defaults_pass_with_the_pose_runtime_and_the_installed_models():
    assert Settings.from_env(SECRET).problems(pose=True) == []


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
    assert good.validated() is good

    with pytest.raises(SettingsError) as error:
        Settings.from_env(SECRET, view_format="png", view_quality=0).validated()
    assert error.value.problems == ["VIEW_FORMAT='png': one of jpeg, webp",
                                    "VIEW_QUALITY=0: a whole number from 1 to 100"]


def test_missing_model_files_are_a_problem_for_the_pose_engine_only(tmp_path):
    settings = Settings.from_env({**SECRET, "MODELS_DIR": str(tmp_path)})

    assert settings.problems() == []
    [problem] = settings.problems(pose=True)
    assert problem.startswith(f"MODELS_DIR={str(tmp_path)!r}: ")
    assert "pose_detection.tflite" in problem and "python -m posecraft.pose.models install" in problem


@pytest.mark.parametrize(("runtime", "package", "extra"), [("tensorflow", "tensorflow", "tensorflow"),
                                                          ("litert", "ai_edge_litert", "worker")])
def test_a_runtime_that_cannot_be_imported_is_named_with_how_to_install_it(monkeypatch, runtime, package, extra):
    # None in sys.modules makes the import fail here as on a machine without the extra (the API images).
    for name in [package, *(name for name in sys.modules if name.startswith(f"{package}."))]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, f"posecraft.pose.runtimes.{runtime}", raising=False)

    [problem] = Settings.from_env({**SECRET, "POSE_RUNTIME": runtime}).problems(pose=True)

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
