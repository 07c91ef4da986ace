"""Random requests to the three endpoints: never a 5xx or a stack trace, always JSON, and a refused request records
nothing."""
from __future__ import annotations

import io
import json
from urllib.parse import quote

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
URLISH = st.one_of(
    st.text(max_size=80),
    st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}",
              st.sampled_from(["http", "https", "ftp", "HTTP", "javascript", ""]),
              st.sampled_from(["", "example.com", "127.0.0.1", "[::1]", "10.0.0.1", "ex ample.com", "a:99999",
                               "xn--n3h.example", "üñí.example", "0x7f000001"]),
              st.text(max_size=30)),
)
BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"imageUrl": URLISH | JSON_VALUES}),
    st.fixed_dictionaries(
        {"imageData": st.text(max_size=60).map(lambda t: "data:image/png;base64," + t) | JSON_VALUES}),
    st.fixed_dictionaries({"imageUrls": st.lists(URLISH | JSON_VALUES, max_size=5) | JSON_VALUES}),
)
FUZZ = hypothesis_settings(max_examples=150, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _assert_clean(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    if response.status_code >= 400:
        assert isinstance(body["error"], str) and body["error"]
        assert "Traceback" not in body["error"]


@FUZZ
@given(path=st.sampled_from(["/api/process", "/api/process-batch"]), body=BODIES)
def test_random_json_bodies_never_break_the_ingest_service(ingest_client, records, path, body):
    before = records.count()

    response = ingest_client.post(path, data=json.dumps(body), content_type="application/json")

    _assert_clean(response)
    if response.status_code >= 400:
        assert records.count() == before


@FUZZ
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(
    ["application/json", "text/plain", "multipart/form-data; boundary=x", "application/octet-stream", ""]))
def test_random_raw_bodies_never_break_the_ingest_service(ingest_client, records, raw, content_type):
    before = records.count()

    response = ingest_client.post("/api/process", data=raw, content_type=content_type)

    _assert_clean(response)
    assert records.count() == before


@FUZZ
@given(data=st.binary(max_size=300), filename=st.text(max_size=20))
def test_random_uploaded_bytes_are_refused_cleanly(ingest_client, records, data, filename):
    response = ingest_client.post("/api/process", data={"file": (io.BytesIO(data), filename or "x")})

    _assert_clean(response)
    assert response.status_code in (400, 415, 422)
    assert records.count() == 0


@FUZZ
@given(raw_id=st.text(min_size=1, max_size=40), ids=st.text(max_size=60))
def test_random_ids_never_break_the_status_service(status_client, raw_id, ids):
    _assert_clean(status_client.get("/api/image-status/" + quote(raw_id, safe="")))
    _assert_clean(status_client.get("/api/image-status", query_string={"ids": ids}))
