"""The status service: GET /api/image-status/<id> and GET /api/image-status?ids=1,2,3."""
from __future__ import annotations

from flask import Flask

from posecraft.config import Settings
from posecraft.records import MediaLinks
from posecraft.repository import ImageRepository
from posecraft.web import init_api, service_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = service_settings(settings)
    app = Flask(__name__, static_folder=None)
    repository = ImageRepository.from_settings(settings)
    app.extensions["repository"] = repository
    app.extensions["settings"] = settings
    app.extensions["media_links"] = MediaLinks.from_settings(settings)
    init_api(app, settings, service="status", checks={"mongodb": repository.ping}, api_keys=repository.api_keys())

    from status_service.routes import bp

    app.register_blueprint(bp)
    return app
