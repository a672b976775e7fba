"""OctopushHook: every HTTP call to the Octopush API goes through here.

One ``requests.Session`` per hook (kept-alive connection, both auth headers), a
timeout on every request, retries by :mod:`~airflow_provider_octopush.api.retries`
that can never create a second campaign, and the mapping of Octopush's answers to the
provider's errors. Triggers and callbacks in the triggerer use the ``a``-prefixed twins
(httpx, same policy), which never block the event loop.
"""

from __future__ import annotations

import asyncio
import time
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import requests
from airflow.sdk import BaseHook
from urllib3.exceptions import NewConnectionError

# ticket_from is re-exported: it was importable from this module before the layout of 0.2.0.
from airflow_provider_octopush.api.answers import delivery_callback_in, interpret, still_computing, ticket_in
from airflow_provider_octopush.api.answers import ticket_from as ticket_from
from airflow_provider_octopush.api.facts import (
    ACCOUNT_SETTINGS_EDIT_PATH,
    ACCOUNT_SETTINGS_PATH,
    BALANCE_PATH,
    CHANNELS,
    CODE_ALREADY_SENT,
    CODE_DUPLICATE_REQUEST,
    CODE_LIST_EXISTS,
    CODE_NOT_FOUND,
    CONTACTS_CREATE_PATH,
    CONTACTS_DELETE_MAX,
    CONTACTS_DELETE_PATH,
    DELIVERY_CALLBACK_KEY,
    DIRECT_SEND_MAX_RECIPIENTS,
    DIRECT_SEND_PATH,
    LIST_CREATE_PATH,
    LIST_EMPTY_PATH,
    LIST_NAME_MAX_LENGTH,
    SMS_SEND_PATH,
    TAG_NAME_MAX_LENGTH,
)
from airflow_provider_octopush.api.retries import Answer, Failure, RequestRetries
from airflow_provider_octopush.exceptions import (
    CallbackUrlInUse,
    CampaignParameterError,
    OctopushApiError,
    OctopushConnectionError,
)
from airflow_provider_octopush.rules.callback_url import receiver_url, shown
from airflow_provider_octopush.rules.connection import (
    CONN_FIELDS,
    CONN_TYPE,
    DEFAULT_CONN_ID,
    SMS_DEFAULTS,
    UI_FIELD_BEHAVIOUR,
    OctopushSettings,
    settings_from,
)
from airflow_provider_octopush.rules.parameters import (
    CAMPAIGN_PARAMETERS,
    MESSAGE_BY_NAME,
    SMS_CAMPAIGN_BY_NAME,
    SMS_MESSAGE_BY_NAME,
    check_sms_content,
    normalize_campaign,
    normalize_message,
    normalize_sms_campaign,
    normalize_sms_message,
)
from airflow_provider_octopush.rules.recipients import parse_list_name
from airflow_provider_octopush.rules.values import parse_bool
from airflow_provider_octopush.version_compat import AirflowNotFoundException

if TYPE_CHECKING:
    import ssl
    from collections.abc import Collection, Generator, Iterable, Mapping

    import httpx
    from airflow.sdk import Connection
    from typing_extensions import Self

    from airflow_provider_octopush.api.retries import Response


class OctopushHook(BaseHook):
    """Talks to the Octopush HTTP API with the credentials of an ``octopush`` connection.

    :param octopush_conn_id: the connection (login = API login, password = API key,
        host = base URL, empty for Octopush itself; extras ``timeout``, ``max_retries``, ``retry_backoff``).
    :param retry_backoff: first back-off in seconds, doubled at each retry, with jitter; unset: the
        connection's ``retry_backoff`` extra (default 1 s).
    :param max_retry_wait: the longest single wait, ``Retry-After`` included.
    :param deadline: epoch seconds by which every call must be over, retries included: each
        request's time-out shrinks to fit, and a retry that would end later is not made.
        For callers that their host kills after a while (callbacks in the DAG processor).
    :param channel: ``"voice"`` (default) or ``"sms"``: which list campaigns the ``*_campaign`` methods
        (create, status, send, cancel, draft) act on, like ``HttpHook``'s ``method``.
    """

    conn_name_attr = "octopush_conn_id"
    _defaults_logged = False
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "Octopush"

    def __init__(
        self,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        *,
        retry_backoff: float | None = None,
        max_retry_wait: float = 60.0,
        deadline: float | None = None,
        channel: str = "voice",
    ) -> None:
        super().__init__()
        if channel not in CHANNELS:
            raise CampaignParameterError("channel", f"{channel!r} is not a channel", " or ".join(map(repr, CHANNELS)))
        self.channel = CHANNELS[channel]
        self.octopush_conn_id = octopush_conn_id
        self.retry_backoff = retry_backoff
        self.max_retry_wait = max_retry_wait
        self.deadline = deadline

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The form of Airflow 3.1, from the same definition as the provider info."""
        return {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extras' widgets for Airflow 3.1, whose UI still asks the hook (3.2+ read ``conn-fields``).

        Airflow 3.1 accepts only wtforms' String, Integer, Password and Boolean fields: a hook
        with any other widget class is dropped from the connection types altogether. So the
        time-out and the back-off, decimal numbers of seconds, are text fields (read as a number, and checked,
        by :func:`~airflow_provider_octopush.connection.settings_from`).
        """
        from flask_babel import lazy_gettext
        from wtforms import BooleanField, IntegerField, PasswordField, StringField
        from wtforms.validators import Optional

        fields: dict[str, type] = {
            "timeout": StringField,
            "max_retries": IntegerField,
            "retry_backoff": StringField,
            **dict.fromkeys(("sender", "voice_language", "voice_gender", "purpose"), StringField),
            "simulation_mode": BooleanField,
            **dict.fromkeys(SMS_DEFAULTS, StringField),
            "callback_secret": PasswordField,
        }
        return {
            name: field_class(
                lazy_gettext(CONN_FIELDS[name]["label"]),
                validators=[Optional()],
                description=CONN_FIELDS[name]["description"],
            )
            for name, field_class in fields.items()
        }

    @cached_property
    def settings(self) -> OctopushSettings:
        """The connection, read and validated once per hook."""
        try:
            conn = self.get_connection(self.octopush_conn_id)
        except AirflowNotFoundException:
            raise self._missing_connection() from None
        return self._settings_from(conn)

    def _missing_connection(self) -> OctopushConnectionError:
        return OctopushConnectionError(
            f"The Octopush connection {self.octopush_conn_id!r} is not defined where this runs (a worker, the "
            "triggerer or the DAG processor): add it there (Admin > Connections, AIRFLOW_CONN_"
            f"{self.octopush_conn_id.upper()}, or a secrets backend), then clear the task."
        )

    async def aload_settings(self) -> OctopushSettings:
        """Read the connection without blocking an event loop (for triggers); cached like ``settings``.

        Also loads the process's TLS context in a thread the first time: reading the CA bundle
        takes tens of milliseconds, too long for an event loop shared by hundreds of triggers.
        """
        if "settings" not in self.__dict__:
            try:
                conn = await self.aget_connection(self.octopush_conn_id)
            except AirflowNotFoundException:
                raise self._missing_connection() from None
            self.__dict__["settings"] = self._settings_from(conn)
        await asyncio.to_thread(_tls_context)
        return self.settings

    def _settings_from(self, conn: Connection) -> OctopushSettings:
        # No mask_secret here: Airflow registers a connection's password with the secrets masker on
        # every way a connection is fetched (3.1 to 3.3, sync and async); a test holds it to that.
        return settings_from(
            self.octopush_conn_id,
            host=conn.host,
            port=conn.port,
            login=conn.login,
            password=conn.password,
            extra=conn.extra_dejson,
        )

    @cached_property
    def session(self) -> requests.Session:
        """One session per hook, so that every call reuses the kept-alive connection."""
        session = requests.Session()
        session.headers.update(self._headers())
        return session

    def _headers(self) -> dict[str, str]:
        """Both auth headers, JSON, and who is calling."""
        from importlib.metadata import version

        return {
            "api-login": self.settings.login,
            "api-key": self.settings.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"airflow-provider-octopush/{version('airflow-provider-octopush')}",
        }

    @cached_property
    def async_client(self) -> httpx.AsyncClient:
        """The event-loop twin of ``session`` (for triggers): same headers, same time-out."""
        import httpx

        return httpx.AsyncClient(headers=self._headers(), timeout=self.settings.timeout, verify=_tls_context())

    async def aclose(self) -> None:
        """Close the async client and the session, if they were opened."""
        if "async_client" in self.__dict__:
            await self.async_client.aclose()
            del self.async_client
        self.close()

    def get_conn(self) -> requests.Session:
        """The session, ready to call Octopush."""
        return self.session

    def close(self) -> None:
        """Close the session's connections, if a session was opened."""
        if "session" in self.__dict__:
            self.session.close()
            del self.session

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """A ``with OctopushHook(...) as hook:`` block closes the session however it ends."""
        self.close()

    def create_campaign_on_list(self, **parameters: Any) -> dict[str, Any]:
        """Create (prepare) a campaign of this hook's channel on a list or tag; return Octopush's parsed answer.

        Takes the parameters of :data:`airflow_provider_octopush.rules.parameters.PARAMETERS` (voice) or
        :data:`~airflow_provider_octopush.rules.parameters.SMS_CAMPAIGN_BY_NAME` (SMS), named as the API
        names them (``text``, ``list_name``, ``request_id``, ...); each is checked first and one left at None
        is not sent (an SMS's type and opt-out mention too, with :func:`check_sms_content`). With a
        ``request_id`` a lost answer is safely retried: Octopush answers code 120 instead of creating a second
        campaign, raised here as :class:`OctopushDuplicateRequestError`. Without one, a request that may have
        reached Octopush is never retried.
        """
        if self.channel.key == "sms":
            from airflow_provider_octopush.rules.sms_text import sms_length

            payload = self.sms_payload(None, **parameters)
            self.log.info(
                "Octopush: creating an SMS campaign, %s for each contact", sms_length(payload["text"]).describe()
            )
        else:
            payload = self._with_defaults(normalize_campaign(parameters), CAMPAIGN_PARAMETERS)
        return self._request("POST", self.channel.create_path, json=payload, replay_safe="request_id" in payload)

    create_voice_campaign_on_list = create_campaign_on_list  # the name of 0.1 and 0.2, on a voice hook

    def send_voice_message(self, *, recipients: Any, **parameters: Any) -> dict[str, Any]:
        """Phone ``recipients`` (1 to 500) straight away, or at ``send_at``: no list, no validation step.

        ``recipients``: numbers, or rows ``{phone_number, param1..param5}``, all checked first;
        the other parameters are those of :data:`~airflow_provider_octopush.rules.parameters.MESSAGE_PARAMETERS`.
        Octopush's answer (``ticket_number`` or ``vocal_ticket``, ``number_of_contacts``,
        ``total_cost``) is returned. With a ``request_id`` a lost answer is retried, and a replay
        answered 120 means the lost attempt went out: ``done_by_earlier_attempt``. Code 120 on the
        first attempt (an earlier try sent it) raises :class:`OctopushDuplicateRequestError`.
        For more than 500 recipients, see :mod:`~airflow_provider_octopush.steps.message_chunks`.
        """
        people = _at_most_a_call(recipients, "VoiceMessageOperator sends more in chunks")
        payload = self._with_defaults(normalize_message(parameters), MESSAGE_BY_NAME)
        return self._send_to_numbers(DIRECT_SEND_PATH, payload, people)

    def send_sms_message(self, *, recipients: Any, **parameters: Any) -> dict[str, Any]:
        """Text ``recipients`` (1 to 500) straight away, or at ``send_at``: :meth:`send_voice_message` for SMS.

        The parameters are those of :data:`~airflow_provider_octopush.rules.parameters.SMS_MESSAGE_PARAMETERS`;
        ``type`` is required, and a marketing premium SMS to France must carry ``STOP au XXXXX``
        (:func:`~airflow_provider_octopush.rules.parameters.check_sms_content`), both checked before the
        call. Octopush's answer (``sms_ticket``, ``number_of_contacts``, ``total_cost``) is returned, with
        ``sms`` added: the encoding and number of SMS parts the text costs each recipient.
        """
        from airflow_provider_octopush.rules.sms_text import sms_length

        people = _at_most_a_call(recipients, "SmsMessageOperator sends more in chunks")
        payload = self.sms_payload((person["phone_number"] for person in people), **parameters)
        length = sms_length(payload["text"])
        doing = "simulating an SMS to" if payload.get("simulation_mode") else "texting"
        self.log.info("Octopush: %s %d numbers, %s each", doing, len(people), length.describe())
        return {**self._send_to_numbers(SMS_SEND_PATH, payload, people), "sms": length.figures()}

    def sms_payload(self, phone_numbers: Iterable[str] | None, **parameters: Any) -> dict[str, Any]:
        """What an SMS to ``phone_numbers`` (None: an SMS campaign on a list or tag) sends: every parameter
        checked, the connection's defaults added (the SMS's own, ``sms_sender`` and ``sms_type``, first), and the
        rules of the whole message (:func:`~airflow_provider_octopush.rules.parameters.check_sms_content`)
        checked over every number, so that a message in chunks is refused before its first one goes out."""
        on_list = phone_numbers is None
        given = normalize_sms_campaign(parameters) if on_list else normalize_sms_message(parameters)
        defaults = self.settings.defaults
        own = {sent: defaults[name] for name, sent in SMS_DEFAULTS.items() if name in defaults and sent not in given}
        payload = self._with_defaults({**own, **given}, SMS_CAMPAIGN_BY_NAME if on_list else SMS_MESSAGE_BY_NAME)
        check_sms_content(payload, phone_numbers)
        return payload

    def _send_to_numbers(self, path: str, payload: dict[str, Any], people: list[dict[str, Any]]) -> dict[str, Any]:
        """The send of a checked message: with a ``request_id`` a lost answer is retried, and a replay answered
        120 means the lost attempt went out."""
        return self._request(
            "POST",
            path,
            json={**payload, "recipients": people},
            replay_safe="request_id" in payload,
            done_on_replay=CODE_DUPLICATE_REQUEST,
        )

    def create_contact_list(self, list_name: str) -> dict[str, Any]:
        """Create an empty contact list. Code 302 when it exists: :class:`OctopushRejectedError` with that code.

        Retried like a read: a replay answered 302 after an attempt whose answer was lost means that
        attempt created it.
        """
        body = {"list_name": parse_list_name(list_name, limit=LIST_NAME_MAX_LENGTH)}
        return self._request("POST", LIST_CREATE_PATH, json=body, replay_safe=True, done_on_replay=CODE_LIST_EXISTS)

    def add_contacts(
        self,
        contacts: Iterable[object],
        *,
        list_name: str | None = None,
        tag_name: str | None = None,
        do_not_overwrite: bool | None = None,
        auto_remove_blacklisted_numbers: bool | None = None,
    ) -> dict[str, Any]:
        """Add contacts (rows ``{phone_number, first_name, last_name, param1..param5}``, or numbers) to a list
        and/or tag; every row is checked first. ``do_not_overwrite``: True leaves an existing number's fields
        as they are (Octopush's developer pages; its newer reference reads it the other way).

        Retried like a read: adding the same contacts again leaves the list as one call would (Octopush
        does not document it; a contact is keyed by its number).
        """
        from airflow_provider_octopush.rules.recipients import CONTACT_FIELDS, parse_row

        body: dict[str, Any] = {
            "contacts": [parse_row(row, CONTACT_FIELDS, "contacts", index) for index, row in enumerate(contacts)]
        }
        if not body["contacts"]:
            raise CampaignParameterError("contacts", "is empty", "at least one contact")
        if list_name is not None:
            body["list_name"] = parse_list_name(list_name, limit=LIST_NAME_MAX_LENGTH)
        if tag_name is not None:
            body["tag_name"] = parse_list_name(tag_name, "tag_name", limit=TAG_NAME_MAX_LENGTH)
        if not (list_name or tag_name):
            raise CampaignParameterError(
                "list_name", "neither list_name nor tag_name is set", "contacts go to a list, a tag, or both"
            )
        for name, value in (
            ("do_not_overwrite", do_not_overwrite),
            ("auto_remove_blacklisted_numbers", auto_remove_blacklisted_numbers),
        ):
            if value is not None:
                body[name] = parse_bool(name, value)
        return self._request("POST", CONTACTS_CREATE_PATH, json=body, replay_safe=True)

    def remove_contacts(self, phone_numbers: Iterable[object], *, list_name: str | None = None) -> dict[str, Any]:
        """Remove 1 to 200 numbers: from ``list_name``, or from the account when it is None. Retried like a read."""
        from airflow_provider_octopush.rules.recipients import parse_phone_number

        numbers = [parse_phone_number(number, f"phone_numbers[{index}]") for index, number in enumerate(phone_numbers)]
        if not 1 <= len(numbers) <= CONTACTS_DELETE_MAX:
            raise CampaignParameterError(
                "phone_numbers", f"holds {len(numbers)} numbers", f"1 to {CONTACTS_DELETE_MAX} a call"
            )
        body: dict[str, Any] = {"phone_numbers": numbers}
        if list_name is not None:
            body["list_name"] = parse_list_name(list_name, limit=LIST_NAME_MAX_LENGTH)
        return self._request("DELETE", CONTACTS_DELETE_PATH, json=body, replay_safe=True)

    def empty_contact_list(self, list_name: str, *, delete_contacts: bool = False) -> dict[str, Any]:
        """Take every contact off ``list_name`` (``delete_contacts``: out of the account too). Retried like a read."""
        body = {
            "list_name": parse_list_name(list_name, limit=LIST_NAME_MAX_LENGTH),
            "delete_contacts": parse_bool("delete_contacts", delete_contacts),
        }
        return self._request("POST", LIST_EMPTY_PATH, json=body, replay_safe=True)

    def _with_defaults(self, payload: Mapping[str, Any], accepted: Collection[str]) -> dict[str, Any]:
        """A checked payload, with the connection's default parameters (checked when the connection was read)
        for those this call takes and the payload leaves out."""
        defaults = {
            name: value for name, value in self.settings.defaults.items() if name in accepted and name not in payload
        }
        if defaults and not self._defaults_logged:  # once per hook: a message in 200 chunks says it once
            self._defaults_logged = True
            self.log.info("Octopush: from connection %r: %s", self.octopush_conn_id, defaults)
        return {**defaults, **payload}

    def check_balance(self, product_name: str | None = None, country_code: str | None = None) -> dict[str, Any]:
        """The account's credit; with ``product_name`` and ``country_code`` (together), for that product and country."""
        if (product_name is None) != (country_code is None):
            raise CampaignParameterError(
                "product_name" if product_name is None else "country_code",
                "is given without the other",
                "give product_name and country_code together, or neither",
            )
        params = {"product_name": product_name, "country_code": country_code} if product_name else None
        return self._request("GET", BALANCE_PATH, params=params, replay_safe=True)

    def get_campaign_status(self, ticket_number: str) -> dict[str, Any]:
        """The campaign's status and figures (``number_of_contacts``, ``cost``, ``estimated_duration``).

        While the campaign is being built Octopush answers HTTP 400 (documented for the SMS status; the code,
        129 in the general table, is not): any 400 other than 131 ("not found") is "still computing",
        returned as ``{"status": "under_computation", ...}``.
        """
        params = {"ticket_number": ticket_number}
        try:
            return self._request("GET", self.channel.status_path, params=params, replay_safe=True)
        except OctopushApiError as err:
            return still_computing(err)

    async def aget_campaign_status(self, ticket_number: str) -> dict[str, Any]:
        """:meth:`get_campaign_status` for triggers: non-blocking, one kept-alive client per hook."""
        params = {"ticket_number": ticket_number}
        try:
            return await self._arequest("GET", self.channel.status_path, params=params, replay_safe=True)
        except OctopushApiError as err:
            return still_computing(err)

    def get_campaign_draft(self) -> dict[str, Any] | None:
        """The account's campaign awaiting validation (``ticket_number``, ``status``, ``number_of_contacts``,
        ``total_cost``, ...), or None when there is none (Octopush answers 204, or a body without a ticket).

        Octopush holds one such draft per account, so this finds a campaign whose ticket was lost. For a
        channel without a documented draft lookup (SMS), no call is made: :class:`CampaignParameterError`.
        """
        answer = self._request("GET", self._draft_path(), replay_safe=True)
        return answer if ticket_in(answer) else None

    async def aget_campaign_draft(self) -> dict[str, Any] | None:
        """:meth:`get_campaign_draft` for triggers (a deferred wait for the account's turn)."""
        answer = await self._arequest("GET", self._draft_path(), replay_safe=True)
        return answer if ticket_in(answer) else None

    def _draft_path(self) -> str:
        if self.channel.draft_path is None:
            raise CampaignParameterError(
                "channel",
                f"{self.channel.key!r} has no draft lookup",
                "Octopush documents GET /voice-campaign/draft for voice campaigns only",
            )
        return self.channel.draft_path

    def send_campaign(self, ticket_number: str) -> dict[str, Any]:
        """Validate the campaign: Octopush starts calling (or texting). Returns its answer (``sending_date``).

        Retried like a read, because a replay cannot reach anybody twice: Octopush sends
        only a campaign that is ``ready_to_be_sent``, and a sent one no longer is. A replay
        answered 132 ("already sent") after an attempt whose answer was lost means that
        attempt sent it: success, with ``done_by_earlier_attempt``.
        """
        body = {"ticket_number": ticket_number}
        return self._request(
            "POST", self.channel.send_path, json=body, replay_safe=True, done_on_replay=CODE_ALREADY_SENT
        )

    def cancel_campaign(self, ticket_number: str) -> dict[str, Any]:
        """Cancel a prepared campaign (not possible once sent: code 132).

        Retried like a read: cancelling twice cannot do harm, and a replay answered 131
        ("not found") after an attempt whose answer was lost means that attempt cancelled it.
        """
        body = {"ticket_number": ticket_number}
        return self._request(
            "DELETE", self.channel.cancel_path, json=body, replay_safe=True, done_on_replay=CODE_NOT_FOUND
        )

    async def acancel_campaign(self, ticket_number: str) -> dict[str, Any]:
        """:meth:`cancel_campaign` for an event loop (a trigger's ``on_kill``)."""
        body = {"ticket_number": ticket_number}
        return await self._arequest(
            "DELETE", self.channel.cancel_path, json=body, replay_safe=True, done_on_replay=CODE_NOT_FOUND
        )

    # The names of 0.1 and 0.2, on a voice hook.
    get_voice_campaign_status = get_campaign_status
    aget_voice_campaign_status = aget_campaign_status
    get_voice_campaign_draft = get_campaign_draft
    aget_voice_campaign_draft = aget_campaign_draft
    send_voice_campaign = send_campaign
    cancel_voice_campaign = cancel_campaign
    acancel_voice_campaign = acancel_campaign

    @property
    def callback_secret(self) -> str:
        """The connection's ``callback_secret``; without one no results are received for it, which is said."""
        if not self.settings.callback_secret:
            raise OctopushConnectionError(
                f"The Octopush connection {self.octopush_conn_id!r} has no extra 'callback_secret', so no results are "
                "received for it: set one (python -c 'import secrets; print(secrets.token_urlsafe(32))'), then point "
                "the account at the receiver (octopush-callbacks)."
            )
        return self.settings.callback_secret

    def receiver_url(self, api_base_url: str) -> str:
        """The results receiver's URL for this connection, on the API server whose public URL is ``api_base_url``."""
        return receiver_url(api_base_url, self.octopush_conn_id, self.callback_secret)

    def get_delivery_callback_url(self) -> str | None:
        """The URL the account sends each recipient's delivery report to (one per account), or None."""
        return delivery_callback_in(self._request("GET", ACCOUNT_SETTINGS_PATH, replay_safe=True))

    def set_delivery_callback_url(self, url: str, *, replace: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """Point the account's delivery reports at ``url``: ``{"before", "after", "changed"}``.

        The URL is account-wide: one the account already holds for another system is replaced only with
        ``replace=True``. ``dry_run``: read and decide, change nothing (``after`` is what it would be).
        Setting the same URL again changes nothing, so a retry is harmless.
        """
        before = self.get_delivery_callback_url()
        if before and before != url and not replace:
            raise CallbackUrlInUse(
                f"The Octopush account of connection {self.octopush_conn_id!r} sends its delivery reports to "
                f"{shown(before)}, not to {shown(url)}. Octopush holds one such URL per account: replacing it "
                "stops that receiver from getting any report. If that is what you want, pass replace=True "
                "(octopush-callbacks --replace)."
            )
        changed = before != url
        if changed and not dry_run:
            self._request(
                "PATCH", ACCOUNT_SETTINGS_EDIT_PATH, json={"callbacks": {DELIVERY_CALLBACK_KEY: url}}, replay_safe=True
            )
        return {"before": before, "after": url, "changed": changed and not dry_run, "dry_run": dry_run}

    def test_connection(self) -> tuple[bool, str]:
        """Read the balance (no side effect, no cost): proves the URL, the login and the key."""
        try:
            balance = self._request("GET", BALANCE_PATH, replay_safe=True, max_retries=0)
        except Exception as err:  # the UI's Test button shows any failure as text
            return False, str(err)
        finally:
            self.close()
        amount, unit = balance.get("amount"), balance.get("unit", "")
        where = f"Connected to Octopush at {self.settings.base_url} as {self.settings.login}"
        return True, f"{where}: balance {amount} {unit}".rstrip()

    def _attempts(
        self, method: str, path: str, *, replay_safe: bool, max_retries: int | None
    ) -> Generator[float | None, Response | Failure | None, Answer]:
        """The retry policy for one call, with this hook's settings and deadline."""
        policy = RequestRetries(
            max_retries=self.settings.max_retries if max_retries is None else max_retries,
            backoff=self.settings.retry_backoff if self.retry_backoff is None else self.retry_backoff,
            cap=self.max_retry_wait,
            deadline=self.deadline,
        )
        return policy.attempts(f"{method} {path}", replay_safe=replay_safe, where=self.settings.base_url, log=self.log)

    def _timeout(self) -> float:
        """The connection's time-out, shortened to what is left before the deadline, if there is one."""
        if self.deadline is None:
            return self.settings.timeout
        return max(0.5, min(self.settings.timeout, self.deadline - time.time()))

    def _request(
        self,
        method: str,
        path: str,
        *,
        replay_safe: bool,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        done_on_replay: int | None = None,
    ) -> dict[str, Any]:
        """Send one API request, retrying transient failures, and return the parsed JSON body."""
        attempts = self._attempts(method, path, replay_safe=replay_safe, max_retries=max_retries)
        outcome: Response | Failure | None = None
        while True:
            try:
                wait = attempts.send(outcome)
            except StopIteration as done:
                return self._interpret(done.value, method, path, done_on_replay)
            outcome = None
            if wait is not None:
                time.sleep(wait)
                continue
            try:
                outcome = self.session.request(
                    method, self.settings.base_url + path, params=params, json=json, timeout=self._timeout()
                )
            except _BAD_URL as err:
                raise self._bad_url(err) from None
            except requests.RequestException as err:
                outcome = Failure(type(err).__name__, _first_line(err), reached=not _never_sent(err))

    async def _arequest(
        self,
        method: str,
        path: str,
        *,
        replay_safe: bool,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        done_on_replay: int | None = None,
    ) -> dict[str, Any]:
        """:meth:`_request` for an event loop: the same policy, non-blocking I/O (httpx)."""
        import httpx

        client = self.async_client
        attempts = self._attempts(method, path, replay_safe=replay_safe, max_retries=None)
        outcome: Response | Failure | None = None
        while True:
            try:
                wait = attempts.send(outcome)
            except StopIteration as done:
                return self._interpret(done.value, method, path, done_on_replay)
            outcome = None
            if wait is not None:
                await asyncio.sleep(wait)
                continue
            try:
                outcome = await client.request(
                    method, self.settings.base_url + path, params=params, json=json, timeout=self._timeout()
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as err:
                raise self._bad_url(err) from None
            except httpx.HTTPError as err:
                never_sent = isinstance(err, (httpx.ConnectError, httpx.ConnectTimeout))
                outcome = Failure(type(err).__name__, _first_line(err), reached=not never_sent)

    def _interpret(self, answer: Answer, method: str, path: str, done_on_replay: int | None) -> dict[str, Any]:
        """:func:`~airflow_provider_octopush.api.answers.interpret`, with this connection's id and key."""
        body = interpret(
            answer,
            method,
            path,
            conn_id=self.octopush_conn_id,
            api_key=self.settings.api_key,
            done_on_replay=done_on_replay,
        )
        if body.get("done_by_earlier_attempt"):
            self.log.warning(
                "Octopush: %s %s: Octopush answered HTTP %s, code %s: %s, which means an earlier attempt of this "
                "call went through",
                *(method, path, answer.response.status_code, body["code"], body["message"] or "(no message)"),
            )
        return body

    def _bad_url(self, err: Exception) -> OctopushConnectionError:
        """A URL no retry can fix: name the host field that makes it."""
        return OctopushConnectionError(
            f"Invalid Octopush connection {self.octopush_conn_id!r}: its API base URL {self.settings.base_url!r} "
            f"cannot be used ({type(err).__name__}: {_first_line(err)}). Fix the connection's host: empty for "
            "Octopush itself, or a full URL such as http://127.0.0.1:8765/v1/public."
        )


# What requests raises for a URL that no retry can fix (they are ValueErrors, not network failures).
_BAD_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def _at_most_a_call(recipients: Any, more: str) -> list[dict[str, Any]]:
    """The rows of one send, checked (a chunk of recipients checked already is not checked again): at most 500
    (``more`` says how to send more)."""
    from airflow_provider_octopush.rules.recipients import Recipients, parse_recipients

    people = recipients if isinstance(recipients, Recipients) else parse_recipients(recipients)
    if len(people) > DIRECT_SEND_MAX_RECIPIENTS:
        raise CampaignParameterError(
            "recipients",
            f"holds {len(people)} numbers",
            f"at most {DIRECT_SEND_MAX_RECIPIENTS} a call ({more})",
        )
    return people.rows()


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every async client (httpx builds one per client otherwise)."""
    import httpx

    return httpx.create_ssl_context()


def _never_sent(err: requests.RequestException) -> bool:
    """True when the request provably never left: no connection was ever established."""
    if isinstance(err, requests.ConnectTimeout):
        return True
    reason = getattr(err.args[0], "reason", None) if err.args else None
    return isinstance(reason, NewConnectionError)


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [""])[0][:300]
