"""The status service: the catalogue's reads and its live stream.

GET /api/image-status/<id> and ?ids=, GET /api/images (the list), GET /api/events, GET /api/presets (the output
presets this server knows, for the page's picker). It reads MongoDB and listens on Redis pub/sub; the actions on an
image (delete, reprocess, the ZIPs) are the ingest service's.
Served by gunicorn; an open event stream holds a thread (gthread) or a greenlet (gevent, as the image runs it):
docs/OPERATING.md has how many one process holds.
"""
from __future__ import annotations

from flask import Flask

from posecraft.catalogue import Catalogue
from posecraft.config import Settings
from posecraft.http.web import init_api, service_settings
from posecraft.stores.events import EventHub


def create_app(settings: Settings | None = None) -> Flask:
    settings = service_settings(settings)
    app = Flask(__name__, static_folder=None)
    catalogue = Catalogue.from_settings(settings)
    app.extensions["settings"] = settings
    app.extensions["catalogue"] = catalogue
    events = app.extensions["events"] = EventHub.from_settings(settings, catalogue.statuses)
    init_api(app, settings, service="status", checks={"mongodb": catalogue.repository.ping, "redis": events.ping},
             api_keys=catalogue.repository.api_keys())

    from status_service.routes import bp

    app.register_blueprint(bp)
    return app
