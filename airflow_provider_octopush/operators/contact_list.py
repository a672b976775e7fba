"""ContactListOperator: fill an Octopush contact list (or tag) from rows an upstream task produced.

The list a campaign calls is then the pipeline's, not one kept by hand in the Octopush web
interface. The operator stores and checks its arguments; the work is in
:mod:`~airflow_provider_octopush.steps.contact_rows`. DAG files importing this module stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_octopush.api.facts import LIST_NAME_MAX_LENGTH, TAG_NAME_MAX_LENGTH
from airflow_provider_octopush.rules.arguments import parse_conn_id, parse_flag, parse_option
from airflow_provider_octopush.rules.connection import DEFAULT_CONN_ID
from airflow_provider_octopush.rules.recipients import parse_list_name
from airflow_provider_octopush.rules.templates import holds_template, is_literal
from airflow_provider_octopush.rules.values import parse_bool

if TYPE_CHECKING:
    from airflow.sdk import Context

BATCH_SIZE_LIMIT = 5000


def _batch_size(value: object) -> int:
    from airflow_provider_octopush.exceptions import ArgumentError

    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= BATCH_SIZE_LIMIT:
        raise ArgumentError("batch_size", f"got {value!r}", f"a whole number from 1 to {BATCH_SIZE_LIMIT}")
    return value


class ContactListOperator(BaseOperator):
    """Add, sync or remove contacts of an Octopush list (or tag) from rows; returns the counts (XCom).

    :param contacts: the rows, templated: a list (or an upstream task's XCom) of numbers or of
        ``{phone_number, first_name, last_name, param1..param5}``, numbers in international form.
    :param list_name: the list (at most 30 characters), templated; created when missing (``create_list``).
    :param tag_name: a tag to put on the contacts (at most 20 characters), templated.
    :param mode: ``add`` (default): add or update the rows' contacts. ``sync``: the list ends up
        holding exactly the rows given (emptied, contacts kept in the account, then filled).
        ``remove``: take the rows' numbers off the list.
    :param on_bad_row: ``fail`` (default): one refused row stops the task before any call.
        ``skip``: the others are sent; the refused ones (row, number, reason) go to XCom and the log.
    :param update_existing: True: an existing number's names and params are replaced; False:
        left as they are (sent as ``do_not_overwrite``); None: Octopush's default.
    :param auto_remove_blacklisted_numbers: leave out numbers on the account's blacklist.
    :param batch_size: rows a call (Octopush states no limit; 305 means too many). Default 500.
    :param create_list: create ``list_name`` when it does not exist (default True).
    """

    template_fields = ("contacts", "list_name", "tag_name")
    template_ext = ()
    ui_color = "#e6f0ff"
    contacts: Any
    list_name: str | None
    tag_name: str | None

    def __init__(
        self,
        *,
        contacts: Any,
        list_name: str | None = None,
        tag_name: str | None = None,
        mode: str = "add",
        on_bad_row: str = "fail",
        update_existing: bool | None = None,
        auto_remove_blacklisted_numbers: bool | None = None,
        batch_size: int = 500,
        create_list: bool = True,
        octopush_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        from airflow_provider_octopush.exceptions import CampaignParameterError
        from airflow_provider_octopush.steps.contact_rows import MODES, ON_BAD_ROW

        super().__init__(**kwargs)
        self.contacts = contacts
        self.list_name = list_name
        self.tag_name = tag_name
        self.mode = parse_option("mode", mode, MODES)
        self.on_bad_row = parse_option("on_bad_row", on_bad_row, ON_BAD_ROW)
        self.update_existing = None if update_existing is None else parse_bool("update_existing", update_existing)
        self.auto_remove_blacklisted_numbers = (
            None
            if auto_remove_blacklisted_numbers is None
            else parse_bool("auto_remove_blacklisted_numbers", auto_remove_blacklisted_numbers)
        )
        self.batch_size = _batch_size(batch_size)
        self.create_list = parse_flag("create_list", create_list)
        self.octopush_conn_id = parse_conn_id(octopush_conn_id)
        if list_name is None and (tag_name is None or self.mode != "add"):
            raise CampaignParameterError(
                "list_name", f"is not set (mode={self.mode!r})", "a list for sync and remove; a list or a tag to add"
            )
        self._check_names()
        if is_literal(contacts) and self.on_bad_row == "fail":
            self._rows_checked()  # at DAG load: a bad literal row is an import error

    def _check_names(self) -> None:
        """The names no template renders now; the rest after rendering."""
        for name, limit in (("list_name", LIST_NAME_MAX_LENGTH), ("tag_name", TAG_NAME_MAX_LENGTH)):
            value = getattr(self, name)
            if value is not None and not holds_template(value):
                parse_list_name(value, name, limit=limit)

    def _rows_checked(self) -> tuple[list[Any], Any]:
        """The rows as a list (a text of numbers is read as for a message), and the first pass's findings."""
        from airflow_provider_octopush.rules.recipients import as_rows
        from airflow_provider_octopush.steps.contact_rows import check_rows, refuse_bad_rows

        rows = as_rows(self.contacts, "contacts")
        check = check_rows(rows)
        if self.on_bad_row == "fail":
            refuse_bad_rows(check)
        return rows, check

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_octopush.exceptions import CampaignParameterError
        from airflow_provider_octopush.hooks.octopush import OctopushHook
        from airflow_provider_octopush.steps.contact_rows import ListTarget, apply_rows

        try:
            self._check_names()
            rows, check = self._rows_checked()
        except CampaignParameterError as err:
            err.args = (f"{err} Nothing was sent to Octopush.",)
            raise
        for item in check.shown:
            self.log.warning("Octopush: row %s refused (%s): %s", item["row"], item["phone_number"], item["reason"])
        target = ListTarget(
            list_name=self.list_name or None,
            tag_name=self.tag_name or None,
            mode=self.mode,
            create_list=self.create_list,
            do_not_overwrite=None if self.update_existing is None else not self.update_existing,
            auto_remove_blacklisted_numbers=self.auto_remove_blacklisted_numbers,
            batch_size=self.batch_size,
        )
        with OctopushHook(self.octopush_conn_id) as hook:
            result = apply_rows(hook, rows, target, check, self.log)
        self.log.info(
            "Octopush list %r (%s): %s rows sent in %s batches, %s refused",
            target.list_name or target.tag_name,
            self.mode,
            result["sent"],
            result["batches"],
            result["refused"],
        )
        return result
