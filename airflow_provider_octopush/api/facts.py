"""What the Octopush API is, as this provider relies on it: paths, statuses, error codes and their remedies.

Plain data, importing nothing of the provider: the hook, the campaign lifecycle, the trigger and the sandbox all
read these names, so that a fact about Octopush is written once. Where each fact comes
from, and what is only assumed: docs/octopush-api.md.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://api.octopush.com/v1/public"

# The list/tag voice campaign: prepare, let Octopush compute it, then send (validate) or cancel.
CREATE_PATH = "/voice-campaign-on-list/create"
STATUS_PATH = "/voice-campaign-on-list/status"
SEND_PATH = "/voice-campaign-on-list/send"
CANCEL_PATH = "/voice-campaign-on-list/cancel"
# The account's one campaign awaiting validation (computing or ready): 200 with its ticket and figures, 204 if none.
DRAFT_PATH = "/voice-campaign/draft"
SMS_CREATE_PATH = "/sms-campaign-on-list/create"
SMS_STATUS_PATH = "/sms-campaign-on-list/status"
SMS_SEND_CAMPAIGN_PATH = "/sms-campaign-on-list/send"
SMS_CANCEL_PATH = "/sms-campaign-on-list/cancel"
BALANCE_PATH = "/wallet/check-balance"
# The account's settings, among them the URLs Octopush calls back (account-wide, not per campaign). The read's
# answer shape is not documented beyond its keys: callbacks are looked for under "callbacks", then at the top.
ACCOUNT_SETTINGS_PATH = "/user/campaign-parameters"
ACCOUNT_SETTINGS_EDIT_PATH = "/user/campaign-parameters/edit"  # PATCH {"callbacks": {...}}
DELIVERY_CALLBACK_KEY = "callback_url_for_deliveries"
# Every callback URL the edit call takes (under "callbacks").
CALLBACK_KEYS = (
    DELIVERY_CALLBACK_KEY,
    "callback_url_for_inbounds",
    "callback_url_for_blacklisted_numbers",
    "callback_url_for_visits",
)
# A voice message straight to numbers, no list: sent at once (or at send_at), no status or send step.
DIRECT_SEND_PATH = "/voice-campaign/send"
DIRECT_SEND_MAX_RECIPIENTS = 500  # documented: 1 to 500 recipients a call
# An SMS straight to numbers: the same shape (1 to 500 recipients, request_id, send_at), answered with sms_ticket.
SMS_SEND_PATH = "/sms-campaign/send"
# Contacts and lists, to fill the list a campaign then calls.
LIST_CREATE_PATH = "/contact-list/create"
LIST_EMPTY_PATH = "/contact-list/empty"
CONTACTS_CREATE_PATH = "/contact/create"
CONTACTS_DELETE_PATH = "/contact/delete"
CONTACTS_DELETE_MAX = 200  # documented: 1 to 200 numbers a call
CONTACTS_BATCH_DEFAULT = 500  # Octopush states no limit for contact/create (305 when too many): our choice
LIST_NAME_MAX_LENGTH = 30  # documented for contact/create
TAG_NAME_MAX_LENGTH = 20
CODE_LIST_EXISTS = 302
CODE_TOO_MANY_CONTACTS = 305


@dataclass(frozen=True)
class Channel:
    """A kind of list campaign (voice or SMS): the same lifecycle on its own endpoints.

    ``draft_path``: where the account's campaign awaiting validation is shown, None where Octopush documents no
    such lookup (SMS): there a lost ticket is found only through the task's own record, and a create refused
    because another campaign awaits validation (126) cannot wait for its turn.
    """

    key: str  # how triggers and records name it
    noun: str  # how messages name its campaigns: "voice campaign", "SMS campaign"
    create_path: str
    status_path: str
    send_path: str
    cancel_path: str
    draft_path: str | None


VOICE = Channel("voice", "voice campaign", CREATE_PATH, STATUS_PATH, SEND_PATH, CANCEL_PATH, DRAFT_PATH)
SMS = Channel("sms", "SMS campaign", SMS_CREATE_PATH, SMS_STATUS_PATH, SMS_SEND_CAMPAIGN_PATH, SMS_CANCEL_PATH, None)
CHANNELS = {channel.key: channel for channel in (VOICE, SMS)}

# The documented statuses of a list campaign.
COMPUTING = "under_computation"
READY = "ready_to_be_sent"
FAILED = "failed"
# Undocumented: what a status read says of a campaign once it is sent (the sandbox says "sent"). A status other
# than ready_to_be_sent that names sending is read as such: Octopush sends only a ready campaign, so asking it
# to send one again is pointless, and a retry that lost the record of its send must not make that call.
SENT_WORDING = ("sent", "sending")

# The keys an answer may carry the ticket under: the documented one, an older client's, and the SMS send's.
TICKET_KEYS = ("ticket_number", "vocal_ticket", "sms_ticket")

CODE_BAD_LOGIN = 101
CODE_SENDER_MALFORMED = 106
CODE_TEXT_MISSING = 107
CODE_DUPLICATE_REQUEST = 120  # a request with this request_id exists (24 hours)
# The voice pages document only "a validation error" for a repeated request_id, without a code: an error
# that names the request id and says it exists (or says "duplicate") is read as that error too.
REQUEST_ID_WORDING = ("request_id", "request id", "requestid")
DUPLICATE_WORDING = ("already", "exist", "duplicat", "same")
CODE_DRAFT_PENDING = 126  # a campaign already awaits validation: one at a time per account
CODE_CAMPAIGN_BEING_BUILT = 129  # not computed yet: "still computing" for a status read
CODE_NOT_FOUND = 131  # no such campaign (or cancelled)
CODE_ALREADY_SENT = 132
CODE_STOP_MISSING = 121  # a marketing premium SMS to France without the mention "STOP au XXXXX"

# What to do about the error codes a user can act on.
ERROR_HINTS: dict[int, str] = {
    101: "the API login or key is wrong: fix the Octopush connection",
    104: "not enough credit: top up the Octopush account",
    105: "not enough credit: top up the Octopush account",
    106: "the sender is badly formed: 3 to 11 letters or digits",
    107: "the text is missing",
    113: "the Octopush account is not validated yet",
    114: "the Octopush account is under fraud review: contact Octopush",
    126: "another campaign already awaits validation (Octopush holds one at a time): send or cancel it first",
    127: "a campaign is being processed: wait for it to finish",
    131: "the campaign was not found: check the ticket number",
    132: "the campaign was already sent",
    153: "the route is congested: retry later",
    201: "this option is only available on request: ask Octopush to enable it (Voice SMS is an add-on)",
    207: "the account has no access to this feature: ask Octopush, or switch on the Voice SMS add-on",
    302: "a contact list with this name already exists",
    303: "the contact list does not exist: check list_name, or let the operator create it (create_list=True)",
    304: "the contact list is full: empty it or use another list",
    305: "too many contacts in one call: lower batch_size",
}
ERROR_HINTS = {
    **{code: "Octopush refused the contact list: check list_name and the list in Octopush" for code in range(300, 309)},
    **ERROR_HINTS,
}

# The codes that no retry can fix: the account, the input or the campaign must change first
# (raised as OctopushRejectedError, which Airflow does not retry). 127 (busy) and 153 (route
# congested) are not among them: waiting helps.
REJECTED_CODES = frozenset({104, 105, 106, 107, 113, 114, 126, 131, 132, 201, 207, *range(300, 309)})
