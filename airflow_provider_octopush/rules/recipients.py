"""The rules of a phone number and of a row of a person (a message's recipient, a list's contact), in one place.

Octopush documents numbers in international form only (``+`` and digits, E.164). We accept
what people paste (spaces, dots, dashes and brackets between the digits) and send the
bare form; a number without ``+`` is refused, as its country cannot be guessed. Like
:mod:`~airflow_provider_octopush.rules.parameters`, nothing here calls anything: the operators,
the notifier and the sandbox share these checks.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast, overload

from airflow_provider_octopush.exceptions import ArgumentError, CampaignParameterError
from airflow_provider_octopush.rules.reading import describe

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

PHONE_RULE = (
    "an international number: + then 8 to 15 digits, e.g. +33612345678 (spaces, dots, dashes and brackets "
    "between the digits are removed)"
)
_PHONE = re.compile(r"\+[1-9][0-9]{7,14}")
_SEPARATORS = re.compile(r"[\s.\-()/]")
PARAM_FIELDS = tuple(f"param{index}" for index in range(1, 6))
# The fields of one recipient of POST /voice-campaign/send, and of one contact of POST /contact/create.
RECIPIENT_FIELDS = ("phone_number", *PARAM_FIELDS)
CONTACT_FIELDS = ("phone_number", "first_name", "last_name", *PARAM_FIELDS)
RECIPIENTS_RULE = (
    "a list of phone numbers or of objects {phone_number, param1..param5}; a text of numbers separated by "
    "commas, semicolons or new lines is read as such a list"
)


def parse_phone_number(value: object, name: str = "phone_number") -> str:
    """The number in the form Octopush documents (``+`` and digits), or an error naming ``name`` and the rule."""
    if not isinstance(value, str):
        problem = f"got {type(value).__name__} {describe(value)}"
        if isinstance(value, int) and not isinstance(value, bool):
            problem += " (a number as an integer has lost its + and any leading zero: give it as text)"
        raise ArgumentError(name, problem, PHONE_RULE)
    number = _SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(number):
        raise ArgumentError(name, f"{describe(value)} is not an international number", PHONE_RULE)
    return number


def _field_value(name: str, value: object) -> str:
    """A personalisation field: text, or a number written as text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ArgumentError(name, f"got {type(value).__name__} {describe(value)}", "a text or a number")
    return str(value)


@lru_cache(maxsize=8)
def _allowed(fields: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fields)


def parse_row(row: object, fields: tuple[str, ...], where: str, index: int) -> dict[str, str]:
    """Row ``index`` of ``where``: a number alone, or a mapping of ``fields`` holding ``phone_number``; returned as
    sent. Errors name ``where[index].field``. Runs for every row of lists of 100 000, so a row already in the form
    Octopush takes goes through a short path."""
    if isinstance(row, str):
        row = {"phone_number": row}
    if not isinstance(row, dict):
        raise ArgumentError(f"{where}[{index}]", f"got {type(row).__name__} {describe(row)}", RECIPIENTS_RULE)
    if not row.keys() <= _allowed(fields):
        unknown = sorted(set(row) - set(fields))[0]
        raise ArgumentError(f"{where}[{index}].{unknown}", "is not a field of a row", "one of " + ", ".join(fields))
    number = row.get("phone_number")
    canonical = number.__class__ is str and _PHONE.fullmatch(number)
    if canonical:
        for value in row.values():
            if value.__class__ is not str or not value:
                break
        else:
            return cast("dict[str, str]", row)  # already as sent (a warehouse's rows usually are): no copy
    phone = cast("str", number) if canonical else parse_phone_number(number, f"{where}[{index}].phone_number")
    parsed = {"phone_number": phone}
    for field, value in row.items():
        if field == "phone_number" or value is None or value == "":
            continue
        parsed[field] = value if value.__class__ is str else _field_value(f"{where}[{index}].{field}", value)
    return parsed


def as_rows(value: object, name: str) -> list[Any]:
    """What a template may render into a list of rows: a list, or a text (a Python or JSON list, or numbers
    separated by commas, semicolons or new lines, as ``{{ var.value.on_call }}`` gives)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise ArgumentError(name, f"{describe(value)} is not a list", RECIPIENTS_RULE) from None
        else:
            value = [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]
    if isinstance(value, list):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):  # a tuple, Airflow's lazy XCom list
        return list(value)
    raise ArgumentError(name, f"got {type(value).__name__} {describe(value)}", RECIPIENTS_RULE)


class Recipients(Sequence[dict[str, str]]):
    """Recipients checked by :func:`parse_recipients`: rows as Octopush takes them, made only as they are read.

    A number given alone stays the string it was (and a list given in the form sent is held, not
    copied), so that 100 000 numbers cost no more than their list; a slice (a chunk) is again
    checked recipients, which the hook sends without checking them twice. Made only by
    :func:`parse_recipients`.
    """

    __slots__ = ("_items",)

    def __init__(self, items: list[str | dict[str, str]]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> dict[str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> Recipients: ...
    def __getitem__(self, index: int | slice) -> dict[str, str] | Recipients:
        if isinstance(index, slice):
            return Recipients(self._items[index])
        return _row(self._items[index])

    def __iter__(self) -> Iterator[dict[str, str]]:
        return map(_row, self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, as a list

    def __repr__(self) -> str:
        return f"Recipients({list(self)!r})"

    def numbers(self) -> Iterator[str]:
        """Each recipient's number, in order."""
        return map(_number, self._items)

    def rows(self) -> list[dict[str, str]]:
        """The rows of one call's ``recipients``, built now."""
        return list(self)


def _row(item: str | dict[str, str]) -> dict[str, str]:
    return {"phone_number": item} if item.__class__ is str else cast("dict[str, str]", item)


def _number(item: str | Mapping[str, str]) -> str:
    return item if item.__class__ is str else cast("Mapping[str, str]", item)["phone_number"]


def _first_rows(items: list[Any]) -> list[Any]:
    """``items`` without the later rows of a number given twice, in about 2 bytes a number where a set of them
    would take 40 (and ``items`` itself when no number repeats). A first pass marks 2 bits of 16 a number (a Bloom
    filter) and keeps the numbers whose bits were both marked already: every repeat, and about 1% that only look
    like one, which the second pass keeps since they come once."""
    mask = (1 << max(10, (16 * len(items)).bit_length())) - 1
    bits = bytearray((mask >> 3) + 1)
    suspects: set[str] = set()
    for number in map(_number, items):
        digest = hash(number)
        first, second = digest & mask, (digest >> 32) & mask
        if bits[first >> 3] >> (first & 7) & 1 and bits[second >> 3] >> (second & 7) & 1:
            suspects.add(number)
        else:
            bits[first >> 3] |= 1 << (first & 7)
            bits[second >> 3] |= 1 << (second & 7)
    if not suspects:
        return items
    seen: set[str] = set()
    kept: list[Any] | None = None  # a copy from the first row dropped
    for index, item in enumerate(items):
        number = _number(item)
        if number in suspects:
            if number in seen:
                if kept is None:
                    kept = items[:index]
                continue
            seen.add(number)
        if kept is not None:
            kept.append(item)
    return items if kept is None else kept


def parse_recipients(value: object, name: str = "recipients") -> Recipients:
    """Every recipient checked (all or none: nobody is phoned when one row is wrong), a number given twice
    kept once (its first row): phoning a person twice for one message is never meant."""
    rows = as_rows(value, name)
    if not rows:
        raise ArgumentError(name, "is empty", "at least one recipient")
    checked: list[Any] = rows  # copied only when a row is not already as sent
    for index, row in enumerate(rows):
        if row.__class__ is str and _PHONE.fullmatch(row):
            continue
        recipient = parse_row(row, RECIPIENT_FIELDS, name, index)
        if recipient is not row:
            if checked is rows:
                checked = list(rows)
            checked[index] = recipient["phone_number"] if len(recipient) == 1 else recipient
    return Recipients(_first_rows(checked))


def check_recipients(recipients: object, max_recipients: float | None) -> Recipients:
    """Every number checked, and no more of them than ``max_recipients``: before any call."""
    people = parse_recipients(recipients)
    if max_recipients is not None and len(people) > max_recipients:
        raise ArgumentError(
            "recipients",
            f"holds {len(people)} numbers, more than max_recipients={max_recipients:g}",
            "at most max_recipients numbers; raise max_recipients if the list is right",
        )
    return people


def chunked(rows: Recipients, size: int) -> Iterator[Recipients]:
    """``rows`` in consecutive slices of at most ``size``, in the given order, each made as it is reached."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def chunk_request_id(base: str, index: int, rows: Recipients) -> str:
    """The request_id of one chunk: the task's key, the chunk's place and a digest of its numbers.

    Replaying the chunk (a lost answer, a retry, a clear) sends the same key, which Octopush
    refuses for 24 hours (code 120); a chunk with other numbers gets another key.
    """
    digest = hashlib.sha256("\n".join(rows.numbers()).encode()).hexdigest()[:12]
    return f"{base}.{index}.{digest}"


def parse_list_name(value: object, name: str = "list_name", *, limit: int) -> str:
    """A contact list's or tag's name as the contact calls take it: the campaign's rule, and at most ``limit``."""
    from airflow_provider_octopush.rules.parameters import BY_NAME

    text = BY_NAME["list_name"].check(name, value)
    if len(text) > limit:
        raise CampaignParameterError(name, f"{describe(value)} has {len(text)} characters", f"at most {limit}")
    return text
