"""The number of SMS a text costs (GSM 03.38 or UCS-2), at each boundary, and as a property of any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_octopush.rules.sms_text import GSM_ALPHABET, GSM_EXTENSION, sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "places", "parts"),
    [
        ("", "GSM 03.38", 0, 1),
        ("a" * 160, "GSM 03.38", 160, 1),
        ("a" * 161, "GSM 03.38", 161, 2),
        ("a" * 306, "GSM 03.38", 306, 2),
        ("a" * 307, "GSM 03.38", 307, 3),
        ("Réunion à 9h, salle Ø: 5 €", "GSM 03.38", 27, 1),  # é, à, Ø are GSM; € takes two places
        ("€" * 80, "GSM 03.38", 160, 1),
        ("€" * 81, "GSM 03.38", 162, 2),
        ("ç" * 70, "UCS-2", 70, 1),  # the lower-case c cedilla is not GSM (only the capital is)
        ("ç" * 71, "UCS-2", 71, 2),
        ("a" * 134 + "\u2019", "UCS-2", 135, 3),  # one typographic apostrophe: the whole text in UCS-2, 67 a part
        ("🚨" * 35, "UCS-2", 70, 1),  # an emoji takes two UTF-16 units
        ("🚨" * 36, "UCS-2", 72, 2),
    ],
)
def test_the_parts_a_text_costs(text: str, encoding: str, places: int, parts: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.places, length.parts) == (encoding, places, parts)


def test_the_description_names_what_made_it_ucs2() -> None:
    assert (
        sms_length("Café \u2019ok\u2019 🚨").describe()
        == "1 SMS (UCS-2, 12 of 70 places; not in GSM 03.38: '\u2019🚨')"
    )
    assert sms_length("a" * 161).describe() == "2 SMS (GSM 03.38, 161 of 306 places)"
    assert sms_length("a" * 161).figures() == {"encoding": "GSM 03.38", "characters": 161, "parts": 2}


@given(st.text(max_size=1224))
def test_every_text_fits_the_parts_it_is_billed_for(text: str) -> None:
    length = sms_length(text)
    gsm = all(char in GSM_ALPHABET or char in GSM_EXTENSION for char in text)
    assert length.encoding == ("GSM 03.38" if gsm else "UCS-2")
    single, part = (160, 153) if gsm else (70, 67)
    if length.parts == 1:
        assert length.places <= single
    else:
        assert (length.parts - 1) * part < length.places <= length.parts * part
