"""Console sign-ins in the audit trail: CloudTrail's ConsoleLogin, success and failure."""

from __future__ import annotations

from typing import Any

import httpx

from tests.audit.support import lookup, records, stored_records, stored_text
from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import (
    USER_PASSWORD,
    console_user,
    csrf_of,
    set_root_login,
    sign_in,
    sign_in_root,
)
from tests.mfa_support import code, create_device, enable, wrong_code

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) credo-tests"


def browser_for(server: Server) -> httpx.Client:
    return httpx.Client(
        base_url=server.endpoint, follow_redirects=False, timeout=30, headers={"user-agent": BROWSER}
    )


def test_user_sign_in_success(server: Server, iam: Any) -> None:
    """A user's password sign-in: ConsoleLogin Success, MFAUsed No, the user named, the browser's agent."""
    console_user(iam, "alice")
    user = iam.get_user(UserName="alice")["User"]
    with browser_for(server) as browser:
        assert sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD).status_code == 303
    [record] = records(server, "ConsoleLogin")
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": user["UserId"],
        "arn": user["Arn"],
        "accountId": DEV_ACCOUNT,
        "userName": "alice",
    }
    assert record["eventSource"] == "signin.amazonaws.com"
    assert record["eventType"] == "AwsConsoleSignIn"
    assert record["responseElements"] == {"ConsoleLogin": "Success"}
    assert record["additionalEventData"]["MFAUsed"] == "No"
    assert record["additionalEventData"]["LoginTo"] == f"{server.endpoint}/console/home"
    assert record["requestParameters"] is None
    assert record["userAgent"] == BROWSER
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["recipientAccountId"] == DEV_ACCOUNT
    assert "errorMessage" not in record
    [found] = lookup(server, key="EventName", value="ConsoleLogin")
    assert found["Username"] == "alice" and found["EventSource"] == "signin.amazonaws.com"


def test_wrong_password_is_a_failure(server: Server, iam: Any) -> None:
    """A wrong password: ConsoleLogin Failure, 'Failed authentication', the user named, no password kept."""
    console_user(iam, "alice")
    with browser_for(server) as browser:
        assert sign_in(browser, DEV_ACCOUNT, "alice", "Wrong-Password-77").status_code == 401
    [record] = records(server, "ConsoleLogin")
    assert record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert record["errorMessage"] == "Failed authentication"
    assert record["userIdentity"]["userName"] == "alice"
    assert record["userIdentity"]["accessKeyId"] == ""
    assert "Wrong-Password-77" not in stored_text(server)


def test_unknown_user_name_is_hidden(server: Server) -> None:
    """A name that names no user may be a mistyped password: it is not repeated."""
    with browser_for(server) as browser:
        sign_in(browser, DEV_ACCOUNT, "My-Password-In-The-Name-Field", "x")
    [record] = records(server, "ConsoleLogin")
    assert record["userIdentity"]["userName"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert record["responseElements"] == {"ConsoleLogin": "Failure"}
    assert "My-Password-In-The-Name-Field" not in stored_text(server)


def test_root_sign_in_success_and_failure(server: Server) -> None:
    """Root sign-ins: type Root with the account, Success then Failure."""
    set_root_login(server)
    with browser_for(server) as browser:
        sign_in_root(browser, password="Not-The-Root-Password-1")
    with browser_for(server) as browser:
        sign_in_root(browser)
    success, failure = records(server, "ConsoleLogin")
    assert success["responseElements"] == {"ConsoleLogin": "Success"}
    assert success["userIdentity"] == {
        "type": "Root",
        "principalId": DEV_ACCOUNT,
        "arn": f"arn:aws:iam::{DEV_ACCOUNT}:root",
        "accountId": DEV_ACCOUNT,
    }
    assert failure["responseElements"] == {"ConsoleLogin": "Failure"}
    assert failure["userIdentity"]["type"] == "Root"
    assert [e["Username"] for e in lookup(server, key="EventName", value="ConsoleLogin")] == ["root", "root"]


def test_unknown_root_email_is_recorded_without_an_account(server: Server) -> None:
    """A root sign-in with an email no account has: a Failure event that names no account."""
    with browser_for(server) as browser:
        sign_in_root(browser, email="nobody@example.com", password="whatever-1")
    logins = [r for r in stored_records(server) if r["eventName"] == "ConsoleLogin"]
    assert len(logins) == 1
    assert logins[0]["userIdentity"] == {"type": "Root", "accessKeyId": ""}
    assert logins[0]["recipientAccountId"] is None
    assert "nobody@example.com" not in stored_text(server)


def test_mfa_sign_in_is_recorded_after_the_code(server: Server, iam: Any, clock: Any) -> None:
    """With MFA, no event for the password step; a wrong code fails and the right one succeeds, MFAUsed Yes."""
    console_user(iam, "alice")
    serial, seed = create_device(iam)
    enable(iam, clock, "alice", serial, seed)
    clock.move(30)
    with browser_for(server) as browser:
        assert sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD).headers["location"] == "/signin/mfa"
        assert records(server, "ConsoleLogin") == []
        token = csrf_of(browser.get("/signin/mfa"))
        wrong = browser.post(
            "/signin/mfa", data={"csrf_token": token, "code": wrong_code(seed, clock.step())}
        )
        assert wrong.status_code == 401
        right = browser.post("/signin/mfa", data={"csrf_token": token, "code": code(seed, clock.step())})
        assert right.headers["location"] == "/console/home"
    success, failure = records(server, "ConsoleLogin")
    assert failure["responseElements"] == {"ConsoleLogin": "Failure"}
    assert failure["additionalEventData"]["MFAUsed"] == "Yes"
    assert success["responseElements"] == {"ConsoleLogin": "Success"}
    assert success["additionalEventData"]["MFAUsed"] == "Yes"
    assert success["userIdentity"]["userName"] == "alice"


def test_console_actions_are_api_calls_from_the_console(server: Server, iam: Any) -> None:
    """What a signed-in person does in the console is recorded as the API call it runs."""
    set_root_login(server)
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="alice")
    with browser_for(server) as browser:
        sign_in_root(browser)
        csrf = csrf_of(browser.get("/console/groups/devs"))
        added = browser.post(
            "/console/groups/devs/users/add", data={"csrf_token": csrf, "user": ["alice"], "step": "add"}
        )
        assert added.status_code == 303
    [record] = [r for r in records(server, "AddUserToGroup") if r["userAgent"] == "AWS Internal"]
    assert record["sessionCredentialFromConsole"] == "true"
    assert record["userIdentity"]["type"] == "Root"
    assert record["requestParameters"] == {"groupName": "devs", "userName": "alice"}
    assert record["sourceIPAddress"] == "127.0.0.1"
