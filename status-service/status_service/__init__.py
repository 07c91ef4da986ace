"""The status service: GET /api/image-status/<id> and GET /api/image-status?ids=1,2,3."""
from __future__ import annotations

import os

from flask import Flask

from posecraft import logs
from posecraft.config import Settings
from posecraft.repository import ImageRepository
from posecraft.web import init_api


def create_app(settings: Settings | None = None) -> Flask:
    if settings is None:
        # Started as a service (gunicorn "..:create_app()"): JSON log lines, settings from the environment.
        # Tests pass their own settings and keep pytest's log capture.
        logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
        settings = Settings.from_env()
    app = Flask(__name__, static_folder=None)
    repository = ImageRepository.from_settings(settings)
    app.extensions["repository"] = repository
    app.extensions["settings"] = settings
    init_api(app, settings, service="status", checks={"mongodb": repository.ping})

    from status_service.routes import bp

    app.register_blueprint(bp)
    return app
