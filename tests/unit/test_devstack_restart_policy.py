"""The dev stack's restart policy (posecraft.devstack.supervisor.RestartPolicy): pure arithmetic, no processes."""
from __future__ import annotations

from posecraft.devstack import RestartPolicy


def test_the_wait_starts_at_half_a_second_and_doubles_up_to_30_s():
    policy = RestartPolicy()

    assert [policy.delay(n) for n in range(1, 10)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_a_crash_after_a_minute_of_health_starts_a_new_row_and_a_quick_one_adds_to_it():
    policy = RestartPolicy()

    assert policy.crashes_in_a_row(before=4, ran_for=60.0) == 1
    assert policy.crashes_in_a_row(before=4, ran_for=59.9) == 5
    assert policy.crashes_in_a_row(before=0, ran_for=0.0) == 1


def test_it_gives_up_after_about_a_minute_of_crashes_with_the_last_wait_at_the_cap():
    policy = RestartPolicy()
    last = next(n for n in range(1, 100) if policy.gives_up(n))
    waited = sum(policy.delay(n) for n in range(1, last))

    assert last == 8
    assert policy.delay(last - 1) == policy.max_delay
    assert 55 <= waited <= 65
