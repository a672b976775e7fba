"""The rules of phone numbers and recipient rows, and the keys of chunks: before anybody is phoned."""

from __future__ import annotations

import random

import pytest

from airflow_provider_octopush.exceptions import CampaignParameterError
from airflow_provider_octopush.rules.recipients import (
    chunk_request_id,
    chunked,
    parse_phone_number,
    parse_recipients,
)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("+33612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+44 20-7946.0958", "+442079460958"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_a_number_is_sent_bare(given: str, sent: str) -> None:
    assert parse_phone_number(given) == sent


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("0612345678", "is not an international number"),
        ("+33 6 12 AB 56 78", "is not an international number"),
        ("+3361", "is not an international number"),
        ("+0612345678", "is not an international number"),
        ("+3361234567890123", "is not an international number"),
        (33612345678, "has lost its +"),
        (None, "got NoneType"),
    ],
)
def test_a_number_outside_the_international_form_is_refused(given: object, problem: str) -> None:
    with pytest.raises(CampaignParameterError, match="Rule: an international number") as info:
        parse_phone_number(given, "recipients[0].phone_number")
    assert problem in str(info.value)
    assert info.value.parameter == "recipients[0].phone_number"


@pytest.mark.parametrize(
    "given",
    [
        ["+33612345678", "+33700000001"],
        "+33612345678, +33700000001",
        "+33612345678;\n+33700000001\n",
        "['+33612345678', '+33700000001']",
        '["+33612345678", "+33700000001"]',
        ("+33612345678", {"phone_number": "+33700000001"}),
    ],
)
def test_recipients_come_as_a_list_or_as_the_text_a_template_renders(given: object) -> None:
    assert parse_recipients(given) == [{"phone_number": "+33612345678"}, {"phone_number": "+33700000001"}]


def test_a_row_keeps_its_fields_as_text_and_a_number_given_twice_is_phoned_once() -> None:
    rows = [
        {"phone_number": "+33 6 12 34 56 78", "param1": "Ada", "param2": 42, "param3": None, "param4": ""},
        "+33612345678",
        "+33700000001",
    ]
    assert parse_recipients(rows) == [
        {"phone_number": "+33612345678", "param1": "Ada", "param2": "42"},
        {"phone_number": "+33700000001"},
    ]


@pytest.mark.parametrize(
    ("given", "parameter"),
    [
        ([], "recipients"),
        ("", "recipients"),
        (["+33612345678", "06 12"], "recipients[1].phone_number"),
        ([{"phone_number": "+33612345678", "first_name": "Ada"}], "recipients[0].first_name"),
        ([{"phone_number": "+33612345678", "param1": ["x"]}], "recipients[0].param1"),
        ([{"param1": "x"}], "recipients[0].phone_number"),
        ("[+33612345678", "recipients"),
        (42, "recipients"),
        ([42.0], "recipients[0]"),
    ],
)
def test_one_bad_row_refuses_them_all_naming_the_row(given: object, parameter: str) -> None:
    with pytest.raises(CampaignParameterError) as info:
        parse_recipients(given)
    assert info.value.parameter == parameter


def test_chunks_keep_the_order_and_their_keys_depend_on_place_and_numbers() -> None:
    rows = parse_recipients([{"phone_number": f"+336{index:08d}"} for index in range(1201)])
    chunks = list(chunked(rows, 500))
    assert [len(chunk) for chunk in chunks] == [500, 500, 201]
    assert [row for chunk in chunks for row in chunk] == rows
    keys = [chunk_request_id("airflow-abc", index, chunk) for index, chunk in enumerate(chunks, start=1)]
    assert len(set(keys)) == 3
    assert keys == [chunk_request_id("airflow-abc", index, chunk) for index, chunk in enumerate(chunks, start=1)]
    assert keys[0].startswith("airflow-abc.1.")
    assert chunk_request_id("airflow-abc", 1, chunks[0][1:]) != keys[0]  # other numbers, another key


def test_among_many_numbers_exactly_the_repeats_are_dropped_each_at_its_first_row() -> None:
    """The light de-duplication (a Bloom filter, then the suspects kept at their first row) against a plain dict:
    with 30 000 numbers about 1% only look repeated, and they must all be kept."""
    generator = random.Random(24)
    numbers = [f"+336{index:08d}" for index in range(30_000)]
    given: list[object] = [*numbers, *generator.sample(numbers, 400), *generator.sample(numbers, 50)]
    generator.shuffle(given)
    given = [
        {"phone_number": number, "param1": str(place)} if place % 3 else number for place, number in enumerate(given)
    ]
    expected: dict[str, object] = {}
    for row in given:
        expected.setdefault(row if isinstance(row, str) else row["phone_number"], row)
    recipients = parse_recipients(given)
    assert len(recipients) == 30_000
    assert recipients == [{"phone_number": row} if isinstance(row, str) else row for row in expected.values()]
    assert list(recipients.numbers()) == list(expected)


def test_checked_recipients_are_rows_and_their_slices_are_checked_recipients() -> None:
    recipients = parse_recipients(
        ["+33612345678", {"phone_number": "+33700000001", "param1": "Ada"}, "+33 7 00 00 00 02"]
    )
    assert recipients[0] == {"phone_number": "+33612345678"}
    assert recipients[-1] == {"phone_number": "+33700000002"}
    assert recipients[1:].rows() == [
        {"phone_number": "+33700000001", "param1": "Ada"},
        {"phone_number": "+33700000002"},
    ]
    assert list(recipients[:1].numbers()) == ["+33612345678"]
