"""The sandbox's contact endpoints: lists created and emptied, contacts added to a list or tag and removed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_octopush.api.facts import (
    CODE_LIST_EXISTS,
    CODE_TOO_MANY_CONTACTS,
    CONTACTS_CREATE_PATH,
    CONTACTS_DELETE_MAX,
    CONTACTS_DELETE_PATH,
    LIST_CREATE_PATH,
    LIST_EMPTY_PATH,
    LIST_NAME_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
)
from airflow_provider_octopush.rules.recipients import CONTACT_FIELDS, parse_list_name, parse_phone_number, parse_row
from airflow_provider_octopush.sandbox.protocol import Answer, ApiError, Endpoint, Request, bad_input_refused

if TYPE_CHECKING:
    from airflow_provider_octopush.sandbox.state import SandboxState


def _name(request: Request, name: str = "list_name", *, limit: int = LIST_NAME_MAX_LENGTH) -> str:
    with bad_input_refused():
        return parse_list_name(request.body.get(name), name, limit=limit)


def _existing_list(state: SandboxState, request: Request) -> dict[str, None]:
    name = _name(request)
    if name not in state.lists:
        raise ApiError(400, 303, f"The list {name} does not exist")
    return state.lists[name]


def create_list(state: SandboxState, request: Request) -> Answer:
    name = _name(request)
    with state.lock:
        if name in state.lists:
            raise ApiError(400, CODE_LIST_EXISTS, f"The list {name} already exists")
        state.lists[name] = {}
    return 201, {"list_name": name}


def add_contacts(state: SandboxState, request: Request) -> Answer:
    """Contacts keyed by number; ``do_not_overwrite`` true leaves an existing one's fields as they are
    (the developer pages' reading, which the provider follows)."""
    body = request.body
    given = body.get("contacts")
    if not isinstance(given, list) or not given:
        raise ApiError(400, 100, "contacts must be a non-empty array")
    if len(given) > state.behaviour.contacts_per_call:
        raise ApiError(400, CODE_TOO_MANY_CONTACTS, "Too many contacts in one request")
    with bad_input_refused():
        rows = [parse_row(row, CONTACT_FIELDS, "contacts", index) for index, row in enumerate(given)]
    if rows != given:
        raise ApiError(400, 100, "a contact is not in canonical form")
    keep = request.flag("do_not_overwrite")
    with state.lock:
        targets = []
        if "list_name" in body:
            targets.append(_existing_list(state, request))
        if "tag_name" in body:
            targets.append(state.lists.setdefault(_name(request, "tag_name", limit=TAG_NAME_MAX_LENGTH), {}))
        if not targets:
            raise ApiError(400, 100, "list_name or tag_name is required")
        for row in rows:
            number = row["phone_number"]
            if not (keep and number in state.contacts):
                state.contacts[number] = row
            for target in targets:
                target[number] = None
    return 201, None


def remove_contacts(state: SandboxState, request: Request) -> Answer:
    body = request.body
    numbers = body.get("phone_numbers")
    if not isinstance(numbers, list) or not 1 <= len(numbers) <= CONTACTS_DELETE_MAX:
        raise ApiError(400, 100, f"phone_numbers must hold 1 to {CONTACTS_DELETE_MAX} numbers")
    with bad_input_refused():
        canonical = [parse_phone_number(number) for number in numbers]
    if canonical != numbers:
        raise ApiError(400, 100, "a number is not in canonical form")
    with state.lock:
        lists = [_existing_list(state, request)] if "list_name" in body else list(state.lists.values())
        for number in numbers:
            for members in lists:
                members.pop(number, None)
            if "list_name" not in body:
                state.contacts.pop(number, None)
    return 204, None


def empty_list(state: SandboxState, request: Request) -> Answer:
    delete = request.flag("delete_contacts")
    with state.lock:
        members = _existing_list(state, request)
        if delete:
            for number in members:
                state.contacts.pop(number, None)
        members.clear()
    return 200, {}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("POST", LIST_CREATE_PATH): create_list,
    ("POST", CONTACTS_CREATE_PATH): add_contacts,
    ("DELETE", CONTACTS_DELETE_PATH): remove_contacts,
    ("POST", LIST_EMPTY_PATH): empty_list,
}
