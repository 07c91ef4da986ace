"""posecraft.jobs.RetryPolicy: how many tries a transient failure gets, and how long between them."""
from __future__ import annotations

from posecraft.config import Settings
from posecraft.jobs import RetryPolicy


def test_the_delay_doubles_from_the_base_after_each_failed_try():
    policy = RetryPolicy(max_attempts=5, base_delay=2.0)

    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]


def test_it_gives_up_after_the_last_allowed_try_and_not_before():
    policy = RetryPolicy(max_attempts=3, base_delay=0.5)

    assert [policy.gives_up_after(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_it_comes_from_the_job_settings():
    policy = RetryPolicy.from_settings(Settings.from_env({"JOB_MAX_ATTEMPTS": "4", "JOB_RETRY_DELAY": "1.5"}))

    assert policy == RetryPolicy(max_attempts=4, base_delay=1.5)
