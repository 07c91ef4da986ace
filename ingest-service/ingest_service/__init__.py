"""The ingest service: what writes to the catalogue. POST /api/process (one image), POST /api/process-batch (many
URLs), and the actions on an image: DELETE /api/images/<id>, POST /api/images/<id>/reprocess, and its views as a
ZIP (GET /api/images/<id>/views.zip, /api/images/views.zip?ids=)."""
from __future__ import annotations

from flask import Flask

from posecraft.config import Settings
from posecraft.http.web import init_api, service_settings
from posecraft.image_actions import ImageActions
from posecraft.submissions import Ingest


def create_app(settings: Settings | None = None) -> Flask:
    settings = service_settings(settings)
    app = Flask(__name__, static_folder=None)
    ingest = Ingest.from_settings(settings)
    app.extensions["ingest"] = ingest
    app.extensions["image_actions"] = ImageActions(settings, ingest.repository, ingest.storage, ingest.queue)
    init_api(app, settings, service="ingest", checks={
        "mongodb": ingest.repository.ping,
        "redis": ingest.queue.ping,
        "s3": ingest.storage.ping,
    }, api_keys=ingest.repository.api_keys())

    from ingest_service import image_routes, routes

    app.register_blueprint(routes.bp)
    app.register_blueprint(image_routes.bp)
    return app
