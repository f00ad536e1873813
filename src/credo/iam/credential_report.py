"""Credential reports: a CSV of every user's passwords, keys and MFA, as AWS lays it out.

Generation is synchronous, but the states are AWS's: the first GenerateCredentialReport
answers STARTED, later ones COMPLETE while the report is younger than four hours; after
that, GetCredentialReport answers ReportExpired until a new one is generated.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo import arn
from credo.call import Call, Operation, Result
from credo.errors import CredentialReportExpired, ReportNotPresent
from credo.iam.account_summary import MFA_TABLES, table_named
from credo.iam.password_policy import as_utc, load_policy, password_expires_at
from credo.store.schema import (
    access_keys,
    accounts,
    credential_reports,
    login_profiles,
    signing_certificates,
    users,
)

REPORT_LIFETIME = timedelta(hours=4)
COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service")
    ),
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
ROOT_USER = "<root_account>"
NOT_SUPPORTED = "not_supported"
NO_INFORMATION = "no_information"
NOT_APPLICABLE = "N/A"
_NOT_PRESENT = (
    "The request was rejected because the credential report does not exist. "
    "To generate a credential report, use GenerateCredentialReport."
)
_EXPIRED = (
    "The request was rejected because the most recent credential report has expired. "
    "To generate a new credential report, use GenerateCredentialReport."
)


def report_time(moment: datetime | None, missing: str = NOT_APPLICABLE) -> str:
    """ISO 8601 with an explicit offset, as the report prints times (``2014-10-29T22:44:20+00:00``)."""
    return as_utc(moment).isoformat(timespec="seconds") if moment is not None else missing


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(keys: list[RowMapping]) -> dict[str, str]:
    """access_key_1_* for the older key, access_key_2_* for the newer one."""
    columns: dict[str, str] = {}
    for n in (1, 2):
        key = keys[n - 1] if len(keys) >= n else None
        used = key is not None and key["last_used_at"] is not None
        columns[f"access_key_{n}_active"] = _flag(key is not None and bool(key["active"]))
        columns[f"access_key_{n}_last_rotated"] = report_time(key["created_at"] if key else None)
        columns[f"access_key_{n}_last_used_date"] = report_time(key["last_used_at"] if used and key else None)
        columns[f"access_key_{n}_last_used_region"] = str(key["last_used_region"]) if used and key else "N/A"
        columns[f"access_key_{n}_last_used_service"] = (
            str(key["last_used_service"]) if used and key else "N/A"
        )
    return columns


def _certificates_by_owner(conn: Connection, account_id: str) -> dict[str | None, list[RowMapping]]:
    """Signing certificates by owner (``None`` is root), oldest first."""
    by_owner: dict[str | None, list[RowMapping]] = defaultdict(list)
    query = (
        select(signing_certificates)
        .where(signing_certificates.c.account_id == account_id)
        .order_by(signing_certificates.c.uploaded_at, signing_certificates.c.id)
    )
    for certificate in conn.execute(query).mappings():
        by_owner[certificate["user_id"]].append(certificate)
    return by_owner


def _certificate_columns(certificates: list[RowMapping]) -> dict[str, str]:
    """cert_1_* for the older certificate, cert_2_* for the newer one."""
    columns: dict[str, str] = {}
    for n in (1, 2):
        certificate = certificates[n - 1] if len(certificates) >= n else None
        columns[f"cert_{n}_active"] = _flag(certificate is not None and bool(certificate["active"]))
        columns[f"cert_{n}_last_rotated"] = report_time(certificate["uploaded_at"] if certificate else None)
    return columns


def _mfa_holders(conn: Connection, account_id: str) -> set[str | None]:
    """Ids of users with an MFA device (``None`` stands for root), if MFA has landed."""
    table = next((t for t in map(table_named, MFA_TABLES) if t is not None), None)
    if table is None or "user_id" not in table.c or "account_id" not in table.c:
        return set()
    query = select(table.c.user_id).where(table.c.account_id == account_id)
    if "enabled_at" in table.c:
        query = query.where(table.c.enabled_at.is_not(None))
    return set(conn.execute(query).scalars())


def build_report(conn: Connection, account_id: str) -> bytes:
    """The CSV of one account: the root user first, then every IAM user by name."""
    keys_by_owner: dict[str | None, list[RowMapping]] = defaultdict(list)
    key_rows = conn.execute(
        select(access_keys)
        .where(access_keys.c.account_id == account_id)
        .order_by(access_keys.c.created_at, access_keys.c.id)
    ).mappings()
    for key in key_rows:
        keys_by_owner[key["user_id"]].append(key)
    mfa = _mfa_holders(conn, account_id)
    certificates = _certificates_by_owner(conn, account_id)
    policy = load_policy(conn, account_id)
    created, root_password_last_used = conn.execute(
        select(accounts.c.created_at, accounts.c.root_password_last_used).where(accounts.c.id == account_id)
    ).one()
    rows: list[dict[str, str]] = [
        {
            "user": ROOT_USER,
            "arn": arn.root_arn(account_id),
            "user_creation_time": report_time(created),
            "password_enabled": NOT_SUPPORTED,
            "password_last_used": report_time(root_password_last_used, NO_INFORMATION),
            "password_last_changed": NOT_SUPPORTED,
            "password_next_rotation": NOT_SUPPORTED,
            "mfa_active": _flag(None in mfa),
            **_key_columns(keys_by_owner[None]),
            **_certificate_columns(certificates[None]),
        }
    ]
    user_rows = conn.execute(
        select(users, login_profiles.c.password_changed_at, login_profiles.c.user_id.label("profile"))
        .select_from(users.outerjoin(login_profiles, login_profiles.c.user_id == users.c.id))
        .where(users.c.account_id == account_id)
        .order_by(users.c.name_lower)
    ).mappings()
    for user in user_rows:
        has_password = user["profile"] is not None
        changed = user["password_changed_at"] if has_password else None
        expiry = password_expires_at(policy, changed) if changed is not None else None
        rows.append(
            {
                "user": user["name"],
                "arn": arn.iam_arn(account_id, "user", user["path"], user["name"]),
                "user_creation_time": report_time(user["created_at"]),
                "password_enabled": _flag(has_password),
                "password_last_used": report_time(
                    user["password_last_used"], NO_INFORMATION if has_password else NOT_APPLICABLE
                ),
                "password_last_changed": report_time(changed),
                "password_next_rotation": report_time(expiry),
                "mfa_active": _flag(user["id"] in mfa),
                **_key_columns(keys_by_owner[user["id"]]),
                **_certificate_columns(certificates[user["id"]]),
            }
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _current(conn: Connection, account_id: str) -> RowMapping | None:
    query = select(credential_reports).where(credential_reports.c.account_id == account_id)
    return conn.execute(query).mappings().first()


def generate_credential_report(call: Call) -> Result:
    account_id = call.principal.account_id
    now = call.services.clock.now()
    # Last-used times are batched in memory; the report must see them.
    call.services.usage.flush()
    with call.services.store.write() as conn:
        existing = _current(conn, account_id)
        if existing is not None and now - as_utc(existing["generated_at"]) < REPORT_LIFETIME:
            return {"State": "COMPLETE"}
        content = build_report(conn, account_id)
        conn.execute(delete(credential_reports).where(credential_reports.c.account_id == account_id))
        conn.execute(
            insert(credential_reports).values(account_id=account_id, generated_at=now, content=content)
        )
    description = "No report exists. Starting a new report generation task"
    return {"State": "STARTED", "Description": description}


def get_credential_report(call: Call) -> Result:
    with call.services.store.read() as conn:
        report = _current(conn, call.principal.account_id)
    if report is None:
        raise ReportNotPresent(_NOT_PRESENT)
    generated: Any = as_utc(report["generated_at"])
    if call.services.clock.now() - generated >= REPORT_LIFETIME:
        raise CredentialReportExpired(_EXPIRED)
    return {"Content": bytes(report["content"]), "ReportFormat": "text/csv", "GeneratedTime": generated}


OPERATIONS = {
    "GenerateCredentialReport": Operation(generate_credential_report, blocking=True),
    "GetCredentialReport": Operation(get_credential_report),
}
