"""Credential reports: AWS's generation states, lifetime, and CSV layout."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import botocore.auth
import botocore.exceptions
import pytest

from tests.conftest import DEV_ACCOUNT, Server, error_of

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


@pytest.fixture
def move_time(server: Server, monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Advance the server's clock, and sign requests as of the same moment so they stay valid."""
    offset = timedelta()
    real_now = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo: bool = True) -> datetime:
        moment: datetime = real_now(remove_tzinfo=remove_tzinfo)
        return moment + offset

    monkeypatch.setattr(botocore.auth, "get_current_datetime", skewed)

    def move(seconds: float) -> None:
        nonlocal offset
        server.advance_clock(seconds)
        offset += timedelta(seconds=seconds)

    return move


def report_rows(iam: Any) -> list[dict[str, str]]:
    content = iam.get_credential_report()["Content"]
    assert isinstance(content, bytes)
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_no_report_before_generation(iam: Any) -> None:
    """GetCredentialReport before any generation is ReportNotPresent."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_credential_report()
    code, message = error_of(caught)
    assert code == "ReportNotPresent"
    assert "GenerateCredentialReport" in message


def test_generation_states(iam: Any) -> None:
    """The first generation answers STARTED, later ones COMPLETE while the report is fresh."""
    first = iam.generate_credential_report()
    assert first["State"] == "STARTED"
    assert first["Description"] == "No report exists. Starting a new report generation task"
    assert iam.generate_credential_report()["State"] == "COMPLETE"


def test_report_layout(iam: Any) -> None:
    """The CSV has AWS's columns, the root user first, and AWS's placeholder values."""
    iam.create_user(UserName="bob")
    iam.create_user(UserName="alice", Path="/staff/")
    iam.create_login_profile(UserName="alice", Password="Console-Password-1")
    iam.create_access_key(UserName="alice")
    iam.generate_credential_report()
    response = iam.get_credential_report()
    assert response["ReportFormat"] == "text/csv"
    assert isinstance(response["GeneratedTime"], datetime)
    assert response["Content"].decode().splitlines()[0] == HEADER
    root, alice, bob = report_rows(iam)
    assert root["user"] == "<root_account>"
    assert root["arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:root"
    assert root["password_enabled"] == "not_supported"
    assert root["password_next_rotation"] == "not_supported"
    assert root["access_key_1_active"] == "true"
    assert alice["arn"] == f"arn:aws:iam::{DEV_ACCOUNT}:user/staff/alice"
    assert alice["password_enabled"] == "true"
    assert alice["password_last_used"] == "no_information"
    assert alice["password_last_changed"].endswith("+00:00")
    assert alice["password_next_rotation"] == "N/A"
    assert alice["mfa_active"] == "false"
    assert alice["access_key_1_active"] == "true"
    assert alice["access_key_1_last_used_date"] == "N/A"
    assert alice["access_key_2_active"] == "false"
    assert alice["access_key_2_last_rotated"] == "N/A"
    assert bob["password_enabled"] == "false"
    assert (bob["password_last_used"], bob["password_last_changed"]) == ("N/A", "N/A")
    assert (bob["cert_1_active"], bob["cert_1_last_rotated"]) == ("false", "N/A")


def test_key_last_use_is_reported(iam: Any, make_user: Any) -> None:
    """A key's last use shows its date, region and service."""
    _, client_for = make_user("alice")
    client_for("sts").get_caller_identity()
    iam.generate_credential_report()
    alice = report_rows(iam)[1]
    assert alice["access_key_1_last_used_date"] != "N/A"
    assert alice["access_key_1_last_used_region"] == "us-east-1"
    assert alice["access_key_1_last_used_service"] == "sts"


def test_password_rotation_follows_max_password_age(iam: Any) -> None:
    """With MaxPasswordAge set, password_next_rotation is the change time plus that many days."""
    iam.update_account_password_policy(MaxPasswordAge=30)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Console-Password-1")
    iam.generate_credential_report()
    alice = report_rows(iam)[1]
    changed = datetime.fromisoformat(alice["password_last_changed"])
    assert datetime.fromisoformat(alice["password_next_rotation"]) == changed + timedelta(days=30)


def test_report_is_reused_then_expires(iam: Any, move_time: Callable[[float], None]) -> None:
    """A report is reused for four hours, then expires and a new generation starts."""
    iam.generate_credential_report()
    iam.create_user(UserName="late")
    move_time(3 * 3600)
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert [row["user"] for row in report_rows(iam)] == ["<root_account>"]
    move_time(3600)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.get_credential_report()
    assert error_of(caught)[0] == "ReportExpired"
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert [row["user"] for row in report_rows(iam)] == ["<root_account>", "late"]
