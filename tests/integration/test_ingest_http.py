"""What every answer of the API services looks like: JSON errors for any status, health, CORS, the OpenAPI spec."""
from __future__ import annotations

import dataclasses

import pytest

from ingest_service import create_app as create_ingest_app
from status_service import create_app as create_status_app


@pytest.mark.parametrize("method, path, status, reason", [
    ("GET", "/api/process", 405, "method not allowed"),
    ("DELETE", "/api/process-batch", 405, "method not allowed"),
    ("GET", "/api/nothing-here", 404, "not found: no such endpoint"),
    ("GET", "/", 404, "not found: no such endpoint"),
])
def test_unknown_paths_and_methods_answer_json_not_html(ingest_client, method, path, status, reason):
    response = ingest_client.open(path, method=method)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": reason}


def test_a_wrong_method_names_the_allowed_ones(status_client):
    response = status_client.post("/api/image-status/1")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_both_services_are_live_and_ready_when_their_servers_answer(ingest_client, status_client):
    assert ingest_client.get("/healthz").get_json() == {"status": "ok"}
    assert ingest_client.get("/readyz").get_json() == {
        "status": "ready", "checks": {"mongodb": "ok", "redis": "ok", "s3": "ok"}}
    # The status service reads MongoDB and streams live events from Redis; S3 and the queue are the ingest service's.
    assert status_client.get("/readyz").get_json() == {
        "status": "ready", "checks": {"mongodb": "ok", "redis": "ok"}}


def test_both_services_publish_the_openapi_spec_of_the_three_endpoints(ingest_client, status_client, api_settings):
    spec = ingest_client.get("/api/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/process", "/api/process-batch", "/api/image-status/{id}", "/api/image-status",
                                  "/api/images", "/api/images/counts", "/api/images/{id}", "/api/images/{id}/reprocess",
                                  "/api/images/{id}/views.zip", "/api/images/views.zip", "/api/presets", "/api/events"}
    batch = spec["components"]["schemas"]["BatchRequest"]["properties"]["imageUrls"]
    assert batch["maxItems"] == api_settings.max_batch_urls
    assert {"202", "400", "413", "415", "422", "503"} <= set(spec["paths"]["/api/process"]["post"]["responses"])
    assert status_client.get("/api/openapi.json").get_json() == spec


def test_cors_admits_only_the_configured_origins(api_settings):
    settings = dataclasses.replace(api_settings, cors_origins=("http://localhost:5173",))
    client = create_status_app(settings).test_client()

    allowed = client.get("/api/image-status?ids=1", headers={"Origin": "http://localhost:5173"})
    other = client.get("/api/image-status?ids=1", headers={"Origin": "https://evil.example"})
    preflight = create_ingest_app(settings).test_client().options(
        "/api/process", headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
                                 "Access-Control-Request-Headers": "content-type"})

    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Access-Control-Allow-Origin" not in other.headers
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_no_cors_header_when_no_origin_is_configured(status_client):
    response = status_client.get("/api/image-status?ids=1", headers={"Origin": "http://localhost:5173"})

    assert "Access-Control-Allow-Origin" not in response.headers


def test_requests_are_counted_by_endpoint_and_status(ingest_client):
    ingest_client.post("/api/process", json={"imageUrl": "ftp://example.com/a.jpg"})

    metrics = ingest_client.get("/metrics").get_data(as_text=True)

    assert ('posecraft_http_requests_total{endpoint="/api/process",method="POST",service="ingest",status="400"}'
            in metrics)
