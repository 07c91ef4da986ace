"""The services' /metrics under gunicorn with several workers: every request is counted, whichever worker took it.

Each scrape is answered by one gunicorn worker; the count it shows is everyone's only because the stack gives each
service a PROMETHEUS_MULTIPROC_DIR (posecraft.http.gunicorn_config empties it as gunicorn starts).
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

REQUESTS = 40
# What the requests below are counted as: a path no route matches.
LABELS = {"endpoint": "unmatched", "method": "GET", "status": "404"}


def scraped_count(base_url: str, service: str) -> float:
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "posecraft_http_requests_total" and sample.labels == {"service": service, **LABELS}:
                return sample.value
    return 0.0


def count_per_worker(folder, service: str) -> dict[str, float]:
    """The same counter as each gunicorn worker wrote it (one file per process id)."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            _, name, labels, _ = json.loads(key)
            if name == "posecraft_http_requests_total" and labels == {"service": service, **LABELS}:
                counts[path.name] = value
    return counts


@pytest.mark.parametrize("service", ["ingest", "status"])
def test_metrics_count_every_request_whichever_gunicorn_worker_answered_it(system, service):
    base_url = f"http://127.0.0.1:{getattr(system.ports, service)}"
    folder = system.run_dir / "metrics" / service
    before_scraped = scraped_count(base_url, service)
    before_per_worker = count_per_worker(folder, service)

    # Several at a time, each on a new connection, so that both workers take some.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: requests.get(f"{base_url}/no-such-page", timeout=10).status_code,
                                 range(REQUESTS)))

    assert statuses == [404] * REQUESTS
    taken = {pid: n - before_per_worker.get(pid, 0) for pid, n in count_per_worker(folder, service).items()}
    assert len([n for n in taken.values() if n > 0]) >= 2, f"one worker took every request: {taken}"
    # Any one scrape, whichever worker answers it, shows all of them.
    for _ in range(4):
        assert scraped_count(base_url, service) - before_scraped == REQUESTS


def test_a_restarted_service_counts_from_zero(system):
    base_url = f"http://127.0.0.1:{system.ports.status}"
    for _ in range(3):
        assert requests.get(f"{base_url}/no-such-page", timeout=10).status_code == 404
    assert scraped_count(base_url, "status") >= 3

    system.restart("status")

    # The previous run's files are gone with its processes: nothing of theirs is added in.
    assert scraped_count(base_url, "status") == 0
