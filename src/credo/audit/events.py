"""Assembling CloudTrail records: an API call's (``AwsApiCall``) and a console sign-in's
(``AwsConsoleSignIn``), with the columns LookupEvents filters on. Pure.

The fields, their order and their spelling are CloudTrail's (``eventVersion`` 1.11); see
docs/audit.md for what credo fills in and what it leaves out (``tlsDetails``, ``resources``
inside the record).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from credo.audit import identity, parameters
from credo.audit.facts import ApiCall
from credo.audit.resources import Resource, resources_of
from credo.auth.principal import Principal
from credo.protocol import model

EVENT_VERSION = "1.11"
SIGNIN_SOURCE = "signin.amazonaws.com"
# CloudTrail's eventSource of each service credo serves (botocore model name → source).
EVENT_SOURCES = {
    "iam": "iam.amazonaws.com",
    "sts": "sts.amazonaws.com",
    "sso-admin": "sso.amazonaws.com",
    "identitystore": "identitystore.amazonaws.com",
    "cloudtrail": "cloudtrail.amazonaws.com",
    "sso-oidc": "sso-oauth.amazonaws.com",
    "sso": "sso.amazonaws.com",
}
# Actions whose answers CloudTrail does not keep (listings and reads can be large): responseElements
# is null for them, except the STS ones that issue credentials.
_UNRECORDED_ANSWERS = ("Get", "List", "Describe", "Lookup", "Simulate", "Is")
_RECORDED_ANYWAY = frozenset({"GetSessionToken", "GetFederationToken"})
_READ_ONLY_PREFIXES = (*_UNRECORDED_ANSWERS, "Generate")
# Query services' error codes as CloudTrail records them: the SDK's exception name.
_AS_IS = frozenset({"AccessDenied"})


@dataclass(frozen=True)
class EventRow:
    """One ``audit_events`` row: the record and the columns lookups filter on."""

    id: str
    event_time: datetime
    account_id: str | None
    event_source: str
    event_name: str
    user_name: str | None
    access_key_id: str | None
    read_only: bool
    resources: list[Resource]
    event: str  # the CloudTrail record, as JSON

    def values(self) -> dict[str, Any]:
        """The ``audit_events`` columns."""
        return {
            "id": self.id,
            "event_time": self.event_time,
            "account_id": self.account_id,
            "event_source": self.event_source[:64],
            "event_name": self.event_name[:128],
            "user_name": self.user_name[:256] if self.user_name is not None else None,
            "access_key_id": self.access_key_id[:128] if self.access_key_id else None,
            "read_only": self.read_only,
            "resources": json.dumps([{"ResourceType": t, "ResourceName": n} for t, n in self.resources])
            if self.resources
            else "[]",
            "event": self.event,
        }


def is_read_only(service: str, action: str) -> bool:
    """CloudTrail's ``readOnly``: reads and listings, and every STS call (AssumeRole included)."""
    return service == "sts" or action.startswith(_READ_ONLY_PREFIXES)


def records_answer(action: str) -> bool:
    return action in _RECORDED_ANYWAY or not action.startswith(_UNRECORDED_ANSWERS)


def trail_error_code(service: str, code: str) -> str:
    """``errorCode``: IAM's and STS's codes as their SDK's exceptions (``NoSuchEntityException``)."""
    if service not in ("iam", "sts") or code in _AS_IS or code.endswith("Exception"):
        return code
    return "ValidationException" if code == "ValidationError" else code + "Exception"


def api_call_event(
    call: ApiCall, event_id: str, issuer: identity.Issuer | None, fallback_account: str | None
) -> EventRow:
    """The record of one API call, as far as it got (``call.result`` or ``call.error_code``).

    Written out piece by piece rather than through one ``json.dumps`` of a dict: the background
    flush does this for every read-only call, and the caller's identity, the time to the second
    and the constant fields are the same for most of them (cached or literal here).
    """
    principal = call.principal
    service, action = call.service, call.action
    if principal.kind == "anonymous":
        who, user_name = identity.federated_identity(action, call.result)
        who_text = _dumps(who)
        account = _account_in(call) or fallback_account
        key = None
    else:
        who_text = _identity_text(principal, issuer, call.from_console)
        user_name = identity.username(principal)
        account = principal.account_id
        key = principal.access_key_id or None
    operation = model.operation(service, action)
    moment = datetime.fromtimestamp(call.when, UTC)
    read_only = is_read_only(service, action)
    source = EVENT_SOURCES.get(service, f"{service}.amazonaws.com")
    failed = call.error_code is not None
    answer = call.result if not failed and records_answer(action) else None
    requested = parameters.request_parameters(service, operation, call.params) if operation else None
    answered = parameters.response_elements(service, operation, answer) if operation else None
    parts = [
        '{"eventVersion":"',
        EVENT_VERSION,
        '","userIdentity":',
        who_text,
        ',"eventTime":"',
        _second(call.when),
        '","eventSource":',
        _text(source),
        ',"eventName":',
        _text(action),
        ',"awsRegion":',
        _text(call.region),
        ',"sourceIPAddress":',
        _text(call.source_ip),
        ',"userAgent":',
        _text(call.user_agent),
    ]
    if failed:
        parts += [
            ',"errorCode":',
            _text(trail_error_code(service, call.error_code or "")),
            ',"errorMessage":',
            _text(call.error_message or ""),
        ]
    parts += [
        ',"requestParameters":',
        "null" if requested is None else _dumps(requested),
        ',"responseElements":',
        "null" if answered is None else _dumps(answered),
        ',"requestID":',
        _text(call.request_id),
        ',"eventID":"',
        event_id,
        '","readOnly":',
        "true" if read_only else "false",
        ',"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":',
        "null" if account is None else _text(account),
        ',"sessionCredentialFromConsole":"true"' if call.from_console else "",
        ',"eventCategory":"Management"}',
    ]
    return EventRow(
        id=event_id,
        event_time=moment,
        account_id=account,
        event_source=source,
        event_name=action,
        user_name=user_name,
        access_key_id=key,
        read_only=read_only,
        # What a read returned names nothing it did not ask for; what a write made is named.
        resources=resources_of(call.params, answer),
        event="".join(parts),
    )


# The JSON of a caller's userIdentity, by the Principal object (credo's credential cache hands
# out one object per key and session): most events of a second are by a handful of callers.
_IDENTITIES: dict[int, tuple[Principal, identity.Issuer | None, bool, str]] = {}
_IDENTITIES_KEPT = 4096


def _identity_text(principal: Principal, issuer: identity.Issuer | None, console: bool) -> str:
    found = _IDENTITIES.get(id(principal))
    if found is not None and found[0] is principal and found[1] == issuer and found[2] == console:
        return found[3]
    text = _dumps(identity.user_identity(principal, issuer, console=console))
    if len(_IDENTITIES) >= _IDENTITIES_KEPT:
        _IDENTITIES.clear()
    _IDENTITIES[id(principal)] = (principal, issuer, console, text)
    return text


_second_text: tuple[int, str] = (-1, "")


def _second(when: float) -> str:
    """``eventTime`` of a moment: formatted once per second (a tuple: swapped whole, thread-safe)."""
    global _second_text
    whole = int(when)
    cached = _second_text
    if cached[0] != whole:
        cached = (whole, datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        _second_text = cached
    return cached[1]


def console_login_event(
    *,
    event_id: str,
    when: datetime,
    who: dict[str, Any],
    user_name: str | None,
    account_id: str | None,
    succeeded: bool,
    mfa_used: bool,
    source_ip: str,
    user_agent: str,
    login_to: str,
) -> EventRow:
    """A ``ConsoleLogin`` record: CloudTrail's sign-in event, success or ``Failed authentication``."""
    moment = when.astimezone(UTC)
    event: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": who,
        "eventTime": _time(moment),
        "eventSource": SIGNIN_SOURCE,
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
    }
    if not succeeded:
        event["errorMessage"] = "Failed authentication"
    event["requestParameters"] = None
    event["responseElements"] = {"ConsoleLogin": "Success" if succeeded else "Failure"}
    event["additionalEventData"] = {
        "LoginTo": login_to,
        "MobileVersion": "No",
        "MFAUsed": "Yes" if mfa_used else "No",
    }
    event["eventID"] = event_id
    event["readOnly"] = False
    event["eventType"] = "AwsConsoleSignIn"
    event["managementEvent"] = True
    event["recipientAccountId"] = account_id
    event["eventCategory"] = "Management"
    return EventRow(
        id=event_id,
        event_time=moment,
        account_id=account_id,
        event_source=SIGNIN_SOURCE,
        event_name="ConsoleLogin",
        user_name=user_name,
        access_key_id=None,
        read_only=False,
        resources=[],
        event=_dumps(event),
    )


def _account_in(call: ApiCall) -> str | None:
    """The account an unsigned federation call was about: its role's."""
    role_arn = (call.params or {}).get("RoleArn")
    if isinstance(role_arn, str):
        parts = role_arn.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    return None


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


# A JSON string literal, as ``_dumps`` writes one (the C encoder; non-ASCII kept).
_text: Callable[[str], str] = json.encoder.encode_basestring
