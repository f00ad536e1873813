"""The federation endpoint: temporary credentials → a single-use sign-in token → a console session as them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from credo.console.federation import safe_destination
from tests.conftest import DEV_ACCOUNT, Server, allow, last_changed

ROLE_SESSION = f"arn:aws:sts::{DEV_ACCOUNT}:assumed-role/console/broker-session"
INVALID = "Invalid credentials parameter"
NOT_TEMPORARY = "Only federation tokens or assume role tokens may be used for federated login."


def broker(server: Server, iam: Any) -> tuple[dict[str, str], Any]:
    """A role ``console`` (may list IAM) and a user allowed to assume it: (the user's key, its STS client)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="console", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="console", PolicyName="read", PolicyDocument=json.dumps(allow("iam:List*")))
    iam.create_user(UserName="broker")
    policy = allow("sts:AssumeRole", "sts:GetFederationToken", "sts:GetSessionToken")
    iam.put_user_policy(UserName="broker", PolicyName="broker", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="broker")["AccessKey"]
    return key, server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])


def role_credentials(sts: Any, **extra: Any) -> dict[str, str]:
    made = sts.assume_role(
        RoleArn=f"arn:aws:iam::{DEV_ACCOUNT}:role/console", RoleSessionName="broker-session", **extra
    )
    return dict(made["Credentials"])


def session_of(credentials: dict[str, str]) -> str:
    return json.dumps(
        {
            "sessionId": credentials["AccessKeyId"],
            "sessionKey": credentials["SecretAccessKey"],
            "sessionToken": credentials.get("SessionToken", ""),
        }
    )


def signin_token(browser: httpx.Client, session: str, method: str = "GET", **extra: str) -> httpx.Response:
    params = {"Action": "getSigninToken", "Session": session, **extra}
    if method == "POST":
        return browser.post("/federation", data=params)
    return browser.get("/federation", params=params)


def login(
    browser: httpx.Client, token: str, destination: str = "https://console.aws.amazon.com/"
) -> httpx.Response:
    return browser.get(
        "/federation",
        params={
            "Action": "login",
            "Issuer": "https://example.com",
            "Destination": destination,
            "SigninToken": token,
        },
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_round_trip_signs_in_as_the_role_session(
    server: Server, iam: Any, browser: httpx.Client, method: str
) -> None:
    """AssumeRole → getSigninToken → login: the console acts as the role session; the token works once."""
    _key, sts = broker(server, iam)
    credentials = role_credentials(sts)
    answer = signin_token(browser, session_of(credentials), method, SessionDuration="3600")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    token = answer.json()["SigninToken"]
    signed_in = login(browser, token, f"{server.endpoint}/console/users?page=1")
    assert signed_in.status_code == 302 and signed_in.headers["location"] == "/console/users?page=1"
    page = browser.get("/console/users")
    assert page.status_code == 200  # the role's permission
    assert ROLE_SESSION in page.text.split("</header>")[0]
    assert "Switch back" not in page.text
    with httpx.Client(base_url=server.endpoint) as other:
        replay = login(other, token)
        assert replay.status_code == 400 and "not valid" in replay.text
        assert other.get("/console/home", follow_redirects=False).headers["location"] == "/signin"
    log = server.log()
    for secret in (credentials["SecretAccessKey"], credentials["SessionToken"], token, "getSigninToken"):
        assert secret not in log


def test_federation_token_credentials_sign_in_as_the_federated_user(
    server: Server, iam: Any, browser: httpx.Client
) -> None:
    """GetFederationToken credentials sign in (without SessionDuration, which AWS refuses for them)."""
    _key, sts = broker(server, iam)
    made = sts.get_federation_token(Name="visitor", Policy=json.dumps(allow("iam:List*")))["Credentials"]
    refused = signin_token(browser, session_of(made), SessionDuration="900")
    assert refused.status_code == 400 and "SessionDuration cannot be used" in refused.text
    token = signin_token(browser, session_of(made)).json()["SigninToken"]
    assert login(browser, token).headers["location"] == "/console/home"
    home = browser.get("/console/home")
    assert f"arn:aws:sts::{DEV_ACCOUNT}:federated-user/visitor" in home.text.split("</header>")[0]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("long-term key", INVALID),
        ("GetSessionToken", NOT_TEMPORARY),
        ("wrong sessionKey", INVALID),
        ("another key's token", INVALID),
        ("not JSON", INVALID),
        ("JSON nested 5,000 deep", INVALID),
        ("SessionDuration too short", "Invalid SessionDuration parameter"),
        ("SessionDuration too long", "Invalid SessionDuration parameter"),
    ],
)
def test_get_signin_token_refusals(
    server: Server, iam: Any, browser: httpx.Client, kind: str, message: str
) -> None:
    """Anything but valid role or federation-token credentials is refused with a short 400 text."""
    key, sts = broker(server, iam)
    credentials = role_credentials(sts)
    extra: dict[str, str] = {}
    if kind == "long-term key":
        session = session_of({"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]})
    elif kind == "GetSessionToken":
        session = session_of(sts.get_session_token()["Credentials"])
    elif kind == "wrong sessionKey":
        session = session_of(credentials | {"SecretAccessKey": last_changed(credentials["SecretAccessKey"])})
    elif kind == "another key's token":
        session = session_of(role_credentials(sts) | {"AccessKeyId": credentials["AccessKeyId"]})
    elif kind == "not JSON":
        session = "sessionId=" + credentials["AccessKeyId"]
    elif kind.startswith("JSON nested"):
        session = "[" * 5_000 + "]" * 5_000  # deeper than Python's recursion limit
    else:
        session = session_of(credentials)
        extra["SessionDuration"] = "899" if kind.endswith("short") else "43201"
    refused = signin_token(browser, session, **extra)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/plain")
    assert refused.text.startswith(message)
    assert "SigninToken" not in refused.text


def test_expired_credentials_and_tokens_are_refused(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Expired credentials get no token; a token is good for 15 minutes only."""
    _key, sts = broker(server, iam)
    short = role_credentials(sts, DurationSeconds=900)
    longer = role_credentials(sts, DurationSeconds=3600)
    token = signin_token(browser, session_of(longer)).json()["SigninToken"]
    server.advance_clock(16 * 60)
    assert signin_token(browser, session_of(short)).text == INVALID
    late = login(browser, token)
    assert late.status_code == 400 and "not valid" in late.text
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_console_session_ends_with_the_credentials(server: Server, iam: Any, browser: httpx.Client) -> None:
    """The console session lasts SessionDuration but never past the credentials' expiry."""
    _key, sts = broker(server, iam)
    credentials = role_credentials(sts, DurationSeconds=900)
    login(
        browser, signin_token(browser, session_of(credentials), SessionDuration="43200").json()["SigninToken"]
    )
    server.advance_clock(600)
    assert browser.get("/console/home").status_code == 200
    server.advance_clock(301)
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_deleting_the_role_ends_the_session(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Once the role is deleted its credentials have no permissions: the console session ends."""
    _key, sts = broker(server, iam)
    login(browser, signin_token(browser, session_of(role_credentials(sts))).json()["SigninToken"])
    assert browser.get("/console/home").status_code == 200
    iam.delete_role_policy(RoleName="console", PolicyName="read")
    iam.delete_role(RoleName="console")
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_off_site_destination_goes_home(server: Server, iam: Any, browser: httpx.Client) -> None:
    """An off-site Destination is not followed: the browser lands on the dashboard."""
    _key, sts = broker(server, iam)
    token = signin_token(browser, session_of(role_credentials(sts))).json()["SigninToken"]
    assert login(browser, token, "https://evil.example/console/users").headers["location"] == "/console/home"


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("http://127.0.0.1:9000/console/users", "/console/users"),
        ("HTTP://127.0.0.1:9000/console/roles/r?tab=trust", "/console/roles/r?tab=trust"),
        ("/console/home", "/console/home"),
        ("/console", "/console/home"),
        ("/console/./../signin", "/console/home"),
        ("/console/.%2E/signin", "/console/home"),
        ("https://console.aws.amazon.com/", "/console/home"),
        ("https://127.0.0.1:9000/console/users", "/console/home"),  # another scheme is another origin
        ("http://127.0.0.1:9001/console/users", "/console/home"),
        ("//evil.example/console/users", "/console/home"),
        ("/console/../signin", "/console/home"),
        ("/console/%2e%2e/signin", "/console/home"),
        ("/console//evil.example", "/console/home"),
        ("/console/\\evil.example", "/console/home"),
        ("/consoleevil", "/console/home"),
        ("/signin", "/console/home"),
        ("javascript:alert(1)", "/console/home"),
        ("/console/users?a=1\r\nSet-Cookie:x=1", "/console/home"),
        ("/console/users\tx", "/console/home"),
        ("/console/caf\u00e9", "/console/home"),
        ("", "/console/home"),
    ],
)
def test_safe_destination(destination: str, expected: str) -> None:
    """Only a console page of this server is a destination; anything else is the dashboard."""
    assert safe_destination(destination, "http", "127.0.0.1:9000") == expected
