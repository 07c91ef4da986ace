"""The published OpenAPI spec is valid OpenAPI 3 and says what the services really answer: each answer below is
checked against the schema the spec declares for its path, method and status."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from posecraft.records import Shot

PHOTO = (Path(__file__).parents[1] / "photos" / "grace_hopper.jpg").read_bytes()


def _inline(node, components):
    """The schema with every local $ref replaced by what it names (the spec has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(components[node["$ref"].rsplit("/", 1)[1]], components)
        return {key: _inline(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, components) for value in node]
    return node


@pytest.fixture
def spec(ingest_client):
    return ingest_client.get("/api/openapi.json").get_json()


def assert_conforms(spec, path: str, method: str, response) -> None:
    declared = spec["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, f"{response.status_code} is not documented for {method} {path}"
    schema = declared[str(response.status_code)]["content"]["application/json"]["schema"]
    OAS30Validator(_inline(schema, spec["components"]["schemas"])).validate(response.get_json())


def test_the_spec_is_valid_openapi_3(spec):
    validate(spec)


def test_ingest_answers_match_the_spec(spec, ingest_client, api_settings):
    answers = [
        ingest_client.post("/api/process", data={"file": (io.BytesIO(PHOTO), "p.jpg")}),
        ingest_client.post("/api/process", json={"imageUrl": "https://example.com/a.jpg"}),
        ingest_client.post("/api/process", json={"imageUrl": "ftp://example.com/a.jpg"}),
        ingest_client.post("/api/process", data={"file": (io.BytesIO(b"text"), "p.jpg")}),
        ingest_client.post("/api/process", data={"file": (io.BytesIO(PHOTO[:30_000]), "p.jpg")}),
        ingest_client.post("/api/process", data={"file": (io.BytesIO(b"\0" * (api_settings.max_upload_bytes + 1)),
                                                          "p.jpg")}),
        ingest_client.post("/api/process", data="x", content_type="text/plain"),
    ]
    assert [a.status_code for a in answers] == [202, 202, 400, 415, 422, 413, 415]
    for answer in answers:
        assert_conforms(spec, "/api/process", "post", answer)

    batch = [
        ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/a.jpg"]}),
        ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/b.jpg", "ftp://x/y"]}),
        ingest_client.post("/api/process-batch", json={"imageUrls": []}),
    ]
    assert [a.status_code for a in batch] == [202, 400, 400]
    for answer in batch:
        assert_conforms(spec, "/api/process-batch", "post", answer)


def test_status_answers_match_the_spec(spec, ingest_client, status_client, records):
    image_id = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/s.jpg"}).get_json()["id"]
    records.mark_processed(image_id, [Shot(label="neck", title="Neck View", key=f"views/{image_id}/neck.jpg",
                                           width=300, height=300, box=(0, 0, 300, 300))], [], 1)

    for answer in (status_client.get(f"/api/image-status/{image_id}"), status_client.get("/api/image-status/999999"),
                   status_client.get("/api/image-status/abc")):
        assert_conforms(spec, "/api/image-status/{id}", "get", answer)
    for answer in (status_client.get(f"/api/image-status?ids={image_id},999999"),
                   status_client.get("/api/image-status?ids=x")):
        assert_conforms(spec, "/api/image-status", "get", answer)
    assert_conforms(spec, "/api/presets", "get", status_client.get("/api/presets"))


def test_catalogue_answers_match_the_spec(spec, ingest_client, status_client, records):
    image_id = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/c.jpg"}).get_json()["id"]

    for answer in (status_client.get("/api/images?limit=1"), status_client.get("/api/images?counts=false"),
                   status_client.get("/api/images?status=x")):
        assert_conforms(spec, "/api/images", "get", answer)
    for answer in (status_client.get("/api/images/counts?q=c.jpg"), status_client.get("/api/images/counts?x=1")):
        assert_conforms(spec, "/api/images/counts", "get", answer)
    for answer in (ingest_client.post(f"/api/images/{image_id}/reprocess"), ingest_client.post("/api/images/0/reprocess")):
        assert_conforms(spec, "/api/images/{id}/reprocess", "post", answer)
    records.mark_failed(image_id, "the URL answered 404")
    answer = ingest_client.post(f"/api/images/{image_id}/reprocess")
    assert answer.status_code == 202
    assert_conforms(spec, "/api/images/{id}/reprocess", "post", answer)
    assert_conforms(spec, "/api/images/{id}/views.zip", "get", ingest_client.get(f"/api/images/{image_id}/views.zip"))
    assert_conforms(spec, "/api/images/views.zip", "get", ingest_client.get("/api/images/views.zip?ids=999999"))
    assert_conforms(spec, "/api/images/{id}", "delete", ingest_client.delete("/api/images/999999"))
    assert ingest_client.delete(f"/api/images/{image_id}").status_code == 204
