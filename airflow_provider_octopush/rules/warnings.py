"""What Octopush's own pages leave doubtful: values sent as given, with a warning, never refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


def doubtful_values(payload: Mapping[str, Any]) -> list[str]:
    """Values that Octopush's own pages disagree on: sent as given, with a warning, never refused.

    The voice pages say "1 to 1224 characters non unicode" for the text (whether accents are
    read, stripped or refused is not said) and 3 to 11 alphanumeric characters for the sender,
    while the account's default voice sender is documented as digits only.
    """
    doubts = []
    text = payload.get("text", "")
    if not text.isascii():
        odd = sorted({char for char in text if not char.isascii()})
        doubts.append(
            f"text has characters outside ASCII ({''.join(odd[:10])}): Octopush's voice pages ask for "
            "'non unicode' text, and may read, strip or refuse them. Try it with simulation_mode=True first."
        )
    sender = payload.get("sender")
    if sender and not sender.isdigit():
        doubts.append(
            f"sender {sender!r} has letters: Octopush documents the voice sender as digits (a phone number) in "
            "places; a name may be replaced by the account's default number."
        )
    return doubts
