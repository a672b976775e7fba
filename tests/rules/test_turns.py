"""The waiting order's one rule: the longer a waiter has waited, the more often it reads the account's draft."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_octopush.api.answers import Draft
from airflow_provider_octopush.rules.turns import FASTEST, RAMP, next_read_in, waited_too_long


def test_a_new_waiter_reads_every_poll_interval_and_an_old_one_four_times_as_often() -> None:
    assert next_read_in(5.0, 0.0) == 5.0
    assert next_read_in(5.0, RAMP * 5.0) == next_read_in(5.0, 10 * RAMP * 5.0) == 5.0 / FASTEST


@given(
    poll_interval=st.floats(0.1, 600),
    younger=st.floats(0, 1e6, allow_nan=False),
    extra=st.floats(0, 1e6, allow_nan=False),
)
def test_whoever_has_waited_longer_never_reads_less_often(poll_interval: float, younger: float, extra: float) -> None:
    older = younger + extra
    assert poll_interval / FASTEST <= next_read_in(poll_interval, older) <= next_read_in(poll_interval, younger)
    assert next_read_in(poll_interval, younger) <= poll_interval


def test_the_error_of_a_waiter_names_the_draft_how_to_free_it_and_that_nothing_was_created() -> None:
    draft = Draft("voice_5f3fbce61266e", "ready_to_be_sent", 25, 1.5, None)
    text = waited_too_long(draft, 600.4, "wait_timeout=600 s")
    assert "Waited 600 s for a turn behind campaign voice_5f3fbce61266e (status ready_to_be_sent" in text
    assert "wait_timeout=600 s ran out" in text and "Nothing was created by this task" in text
    assert "SendVoiceCampaignOperator with ticket_number='voice_5f3fbce61266e'" in text
    assert "CancelVoiceCampaignOperator" in text
