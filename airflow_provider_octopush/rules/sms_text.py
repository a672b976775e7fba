"""How many SMS a text costs: the GSM 03.38 rule that decides how Octopush (and every operator) bills it.

A text made only of the GSM 03.38 default alphabet fits 160 characters in one SMS, 153 a
part once it takes several (each part carries a header that joins them again); a character
of the alphabet's extension table (``€ [ ] { } \\ ^ ~ |`` and form feed) takes two of those
places. Any other character (most accents outside Western Europe, emoji, typographic
quotes) sends the whole text in UCS-2: 70 in one SMS, 67 a part, counted in UTF-16 units, so
an emoji takes two. Octopush bills per part: the count is shown before anything is sent.
This is the standard GSM rule, not one Octopush's pages state. Nothing here calls anything.
"""

from __future__ import annotations

from dataclasses import dataclass

# The GSM 03.38 default alphabet (one place each) and its extension table (two places: escape, then the character).
GSM_ALPHABET = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
# Places in one SMS, and in each part of a longer one, per encoding.
SINGLE = {"GSM 03.38": 160, "UCS-2": 70}
PART = {"GSM 03.38": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsLength:
    """What a text costs: its encoding, the places it takes, and the number of SMS (parts) billed."""

    encoding: str
    places: int
    parts: int
    not_gsm: str  # the characters that made it UCS-2, in order of appearance, each once ("" for GSM 03.38)

    def describe(self) -> str:
        """For logs and errors: ``"2 SMS (GSM 03.38, 170 of 306 places)"``."""
        room = SINGLE[self.encoding] if self.parts == 1 else self.parts * PART[self.encoding]
        why = f"; not in GSM 03.38: {self.not_gsm!r}" if self.not_gsm else ""
        return f"{self.parts} SMS ({self.encoding}, {self.places} of {room} places{why})"

    def figures(self) -> dict[str, object]:
        """For XCom."""
        return {"encoding": self.encoding, "characters": self.places, "parts": self.parts}


def sms_length(text: str) -> SmsLength:
    """The encoding, places and parts of ``text`` as an SMS (an empty text still costs one SMS)."""
    outside = "".join(dict.fromkeys(char for char in text if char not in GSM_ALPHABET and char not in GSM_EXTENSION))
    if outside:
        encoding = "UCS-2"
        places = len(text.encode("utf-16-le")) // 2
    else:
        encoding = "GSM 03.38"
        places = len(text) + sum(char in GSM_EXTENSION for char in text)
    parts = 1 if places <= SINGLE[encoding] else -(-places // PART[encoding])
    return SmsLength(encoding, places, parts, outside)
