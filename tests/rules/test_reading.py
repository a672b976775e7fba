"""The one reading of numbers and of unset values, shared by the parameters, the arguments, the connection's
extras and the answers' figures."""

from __future__ import annotations

import pytest

from airflow_provider_octopush.rules.reading import as_count, describe, finite_number, is_unset


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3.0), (2.5, 2.5), ("7", 7.0), (" 1.5 ", 1.5), ("-2", -2.0), ("1e3", 1000.0)],
)
def test_numbers_and_numeric_texts_are_read(value: object, number: float) -> None:
    assert finite_number(value) == number


@pytest.mark.parametrize("value", [True, False, None, "", "five", "nan", "inf", float("inf"), [1], {"n": 1}])
def test_anything_else_is_no_number(value: object) -> None:
    assert finite_number(value) is None


def test_a_whole_count_is_an_int_so_that_messages_say_25() -> None:
    assert (as_count(25.0), as_count("25"), as_count(2.5), as_count("x")) == (25, 25, 2.5, None)
    assert type(as_count(25.0)) is int


def test_unset_is_none_or_an_empty_rendering_only() -> None:
    assert [is_unset(value) for value in (None, "", 0, False, " ", [])] == [True, True, False, False, False, False]


def test_a_long_value_is_shortened() -> None:
    assert describe("x" * 500).endswith("...") and len(describe("x" * 500)) == 80
    assert describe("short") == "'short'"
