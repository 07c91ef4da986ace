"""posecraft.http.web: every error class answers one HTTP status, found along its MRO; the status service stays light."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from posecraft import errors
from posecraft.http.web import http_status


@pytest.mark.parametrize(("error", "status"), [
    (errors.MalformedRequest("bad"), 400),
    (errors.InvalidBatch("bad", [{"url": "x", "reason": "y"}]), 400),
    (errors.InvalidURL("bad"), 400),
    (errors.UnsafeURL("bad"), 400),
    (errors.ImageNotFound("gone"), 404),
    (errors.InvalidImage("bad"), 415),
    (errors.UnsupportedImage("bad"), 415),
    (errors.UnsupportedContentType("bad"), 415),
    (errors.UnusableImage("truncated"), 422),  # an InvalidImage, but its own status wins
    (errors.ImageTooLarge("too big"), 422),
    (errors.ServiceUnavailable("down"), 503),
    (errors.NoPersonFound(), 500),  # a worker-side error reaching the API is a bug
])
def test_each_error_answers_the_status_of_its_nearest_mapped_class(error, status):
    assert http_status(error) == status


def test_a_subclass_nobody_mapped_answers_as_its_parent():
    class TooManyFaces(errors.UnusableImage):
        pass

    assert http_status(TooManyFaces("x")) == 422


def test_the_status_service_loads_neither_the_queue_nor_s3_nor_the_image_library():
    # It reads MongoDB and listens on Redis pub/sub; the actions that queue or touch S3 are the ingest service's.
    code = ("import sys; from status_service import create_app; from status_service import routes; "
            "print(sorted(m for m in ('kombu', 'boto3', 'botocore', 'PIL', 'numpy') if m in sys.modules))")

    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"


def test_the_start_up_check_of_a_presets_file_loads_none_of_them_either():
    # gunicorn's master and the status service's app factory run it (posecraft.config -> posecraft.views.presets).
    team_presets = Path(__file__).parents[1] / "data" / "team_presets.json"
    environment = {"S3_SECRET_KEY": "a-secret", "PRESETS_FILE": str(team_presets), "DEFAULT_PRESET": "lookbook"}
    code = ("import sys; from posecraft.settings_checks import environment_problems; "
            f"assert environment_problems({environment!r}) == []; "
            "print(sorted(m for m in ('kombu', 'boto3', 'botocore', 'PIL', 'numpy') if m in sys.modules))")

    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"
