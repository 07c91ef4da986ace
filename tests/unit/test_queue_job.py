"""posecraft.stores.queue.Job: what a message body must be to be a job (anything else is dead-lettered)."""
from __future__ import annotations

import pytest

from posecraft.stores.queue import Job, MalformedJob


def test_a_job_body_is_the_image_id():
    assert Job(12).to_body() == {"id": 12}
    assert Job.parse({"id": 12}) == Job(12)


def test_a_first_version_message_with_its_url_and_key_is_still_a_job():
    assert Job.parse({"id": 9, "url": "https://example.com/9.jpg", "key": "uploads/abc.jpg"}) == Job(9)


@pytest.mark.parametrize("body", [5, "not a job", None, [], {"body": 5}, {"id": "7"}, {"id": True}, {"id": 0},
                                  {"id": -3}, {"id": 1.5}])
def test_anything_else_is_malformed_with_the_body_in_the_reason(body):
    with pytest.raises(MalformedJob, match="malformed job message"):
        Job.parse(body)
