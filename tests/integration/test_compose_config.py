"""docker-compose.yml: valid for Debian's docker-compose (no engine runs here, so the file is checked, not run), and
every setting of `.env` reaches every PoseCraft service.

docker-compose reads `.env` beside the compose file (for `${...}` and for `env_file`), so each test renders the
real file from a project folder of its own: a copy of docker-compose.yml, the test's `.env`, and every other entry
of the repository linked in (the build contexts and Dockerfiles the file names must exist).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from posecraft.config import REPO_ROOT
from posecraft.settings_checks import environment_problems

POSECRAFT_SERVICES = ("ingest", "status", "worker")
SECRET = "a-long-random-secret"


@pytest.fixture
def project(tmp_path) -> Path:
    for entry in REPO_ROOT.iterdir():
        if entry.name not in {"docker-compose.yml", ".env", ".git"}:
            (tmp_path / entry.name).symlink_to(entry)
    shutil.copy(REPO_ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    # .env.example as an operator fills it in: the S3 secret has no default, so it is set (the last value wins).
    (tmp_path / ".env").write_text((REPO_ROOT / ".env.example").read_text() + f"S3_SECRET_KEY={SECRET}\n")
    return tmp_path


def compose(project: Path, *args: str) -> str:
    command = [shutil.which("docker-compose") or "docker-compose", "-f", str(project / "docker-compose.yml"), *args]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_compose_file_is_valid_with_the_example_env_and_every_build_context_exists(project):
    compose(project, "config", "-q")


def test_without_an_s3_secret_compose_refuses_to_run_and_says_what_to_set(project):
    shutil.copy(REPO_ROOT / ".env.example", project / ".env")  # S3_SECRET_KEY= left empty: no default secret

    done = subprocess.run([shutil.which("docker-compose") or "docker-compose", "-f", str(project / "docker-compose.yml"),
                           "config", "-q"], cwd=project, capture_output=True, text=True, timeout=60)

    assert done.returncode != 0
    assert "set S3_SECRET_KEY in .env" in done.stderr


def test_it_runs_mongodb_redis_s3_both_services_the_worker_and_nginx(project):
    services = set(compose(project, "config", "--services").split())

    assert services == {"mongo", "redis", "s3", "ingest", "status", "worker", "nginx"}


def test_one_upload_limit_from_the_env_file_reaches_nginx_and_every_service(project):
    (project / ".env").write_text(f"MAX_UPLOAD_BYTES=1234567\nPUBLIC_URL=https://posecraft.example.com\nS3_SECRET_KEY={SECRET}\n")

    rendered = compose(project, "config")

    assert rendered.count("MAX_UPLOAD_BYTES: '1234567'") == 4  # ingest, status, worker and nginx
    assert "MAX_UPLOAD_BYTES: '26214400'" not in rendered
    assert rendered.count("S3_PUBLIC_URL: https://posecraft.example.com/media") == 3


def test_every_setting_in_the_env_file_reaches_each_posecraft_service_and_addresses_stay_the_compose_servers(project):
    sample = {
        "POSE_MODEL": "heavy", "VIEW_FORMAT": "webp", "VIEW_QUALITY": "85", "VIEW_ASPECTS": "zoom=4:5",
        "LOG_LEVEL": "DEBUG", "JOB_MAX_ATTEMPTS": "7", "FETCH_TOTAL_TIMEOUT": "45", "MAX_STATUS_IDS": "150",
        "CORS_ORIGINS": "https://shop.example.com", "S3_SECRET_KEY": "a-long-random-secret",
        # An address in .env does not move a service off the servers this file runs.
        "MONGO_URL": "mongodb://elsewhere.example.com:27017/",
    }
    (project / ".env").write_text("".join(f"{name}={value}\n" for name, value in sample.items()))

    services = yaml.safe_load(compose(project, "config"))["services"]

    for name in POSECRAFT_SERVICES:
        environment = services[name]["environment"]
        assert {k: v for k, v in environment.items() if k in sample and k != "MONGO_URL"} == {
            k: v for k, v in sample.items() if k != "MONGO_URL"}, name
        assert environment["MONGO_URL"] == "mongodb://mongo:27017/"
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert environment["S3_ENDPOINT_URL"] == "http://s3:8333"


def test_the_two_api_services_and_the_worker_are_built_from_one_dockerfile(project):
    services = yaml.safe_load(compose(project, "config"))["services"]

    builds = {name: services[name]["build"] for name in POSECRAFT_SERVICES}
    assert {build.get("dockerfile", "Dockerfile") for build in builds.values()} == {"Dockerfile"}
    assert builds["ingest"]["target"] == builds["status"]["target"] == "api"
    assert builds["ingest"]["args"] == {"SERVICE": "ingest"} and builds["status"]["args"] == {"SERVICE": "status"}
    assert builds["worker"]["target"] == "worker"


def test_the_teams_presets_file_is_mounted_read_only_where_presets_file_says_in_every_service_that_reads_it(project):
    default = yaml.safe_load(compose(project, "config"))["services"]
    # The file PRESETS_JSON names; a PRESETS_FILE in .env does not move it off the mounted path.
    (project / "team-presets.json").write_text('{"lookbook": {"aspect": "4:5"}}')
    with (project / ".env").open("a") as env:
        env.write("PRESETS_JSON=./team-presets.json\nPRESETS_FILE=/somewhere/else.json\n")
    team = yaml.safe_load(compose(project, "config"))["services"]

    for name in POSECRAFT_SERVICES:  # the ingest service, the worker and the status service each read it
        assert default[name]["environment"]["PRESETS_FILE"] == "/etc/posecraft/presets.json", name
        assert default[name]["volumes"] == [f"{project}/deploy/presets.json:/etc/posecraft/presets.json:ro"]
        assert team[name]["environment"]["PRESETS_FILE"] == "/etc/posecraft/presets.json", name
        assert team[name]["volumes"] == [f"{project}/team-presets.json:/etc/posecraft/presets.json:ro"]
    assert "PRESETS_FILE" not in default["nginx"]["environment"]
    for mounted in ("deploy/presets.json", "team-presets.json"):  # both pass the services' start-up check
        assert environment_problems({"S3_SECRET_KEY": SECRET, "PRESETS_FILE": str(project / mounted)}) == []
