"""The ingest service: POST /api/process (one image) and POST /api/process-batch (many URLs)."""
from __future__ import annotations

from flask import Flask

from posecraft.config import Settings
from posecraft.submissions import Ingest
from posecraft.web import init_api, service_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = service_settings(settings)
    app = Flask(__name__, static_folder=None)
    ingest = Ingest.from_settings(settings)
    app.extensions["ingest"] = ingest
    init_api(app, settings, service="ingest", checks={
        "mongodb": ingest.repository.ping,
        "redis": ingest.queue.ping,
        "s3": ingest.storage.ping,
    }, api_keys=ingest.repository.api_keys())

    from ingest_service.routes import bp

    app.register_blueprint(bp)
    return app
