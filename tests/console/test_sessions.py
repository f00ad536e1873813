"""Console sessions: cookie flags, CSRF, sign-out, expiry, and revocation from the API side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from credo.store.db import normalize_url
from credo.store.schema import console_sessions, sign_in_attempts
from tests.conftest import DEV_ACCOUNT, Server
from tests.console.conftest import USER_PASSWORD, console_user, csrf_of, set_root_login, sign_in, sign_in_root


def _count(server: Server, table: Any) -> int:
    engine = create_engine(normalize_url(server.extra["database_url"]))
    with engine.connect() as conn:
        found = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    engine.dispose()
    return found


def test_session_cookie_flags(server: Server, browser: httpx.Client) -> None:
    """The session cookie is HttpOnly, SameSite=Lax, for the whole site, and not Secure over plain http."""
    set_root_login(server)
    cookie = sign_in_root(browser).headers["set-cookie"]
    assert cookie.startswith("credo-console=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_signout_without_the_csrf_token_is_refused(
    server: Server, browser: httpx.Client, token: str | None
) -> None:
    """A POST without the session's CSRF token (or a wrong one) is 403 and the session lives on."""
    set_root_login(server)
    sign_in_root(browser)
    data = {} if token is None else {"csrf_token": token}
    refused = browser.post("/signout", data=data)
    assert refused.status_code == 403
    assert browser.get("/console/home").status_code == 200


@pytest.mark.parametrize("token", [None, "forged"])
def test_signin_without_the_form_token_is_refused(
    server: Server, iam: Any, browser: httpx.Client, token: str | None
) -> None:
    """A sign-in POST not made from the sign-in form is 403: no session, no attempt recorded."""
    console_user(iam, "alice")
    browser.get("/signin")
    data = {"account": DEV_ACCOUNT, "username": "alice", "password": USER_PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    assert browser.post("/signin", data=data).status_code == 403
    assert _count(server, sign_in_attempts) == 0
    assert _count(server, console_sessions) == 0


def test_sign_out_ends_the_session(server: Server, browser: httpx.Client) -> None:
    """Sign out deletes the session: the old cookie no longer opens the console."""
    set_root_login(server)
    sign_in_root(browser)
    old_cookie = browser.cookies["credo-console"]
    token = csrf_of(browser.get("/console/home"))
    out = browser.post("/signout", data={"csrf_token": token})
    assert out.headers["location"] == "/signin"
    assert _count(server, console_sessions) == 0
    with httpx.Client(base_url=server.endpoint, cookies={"credo-console": old_cookie}) as replay:
        assert replay.get("/console/home").headers["location"] == "/signin"


def _delete_profile(iam: Any) -> None:
    iam.delete_login_profile(UserName="alice")


def _delete_user(iam: Any) -> None:
    iam.delete_login_profile(UserName="alice")
    iam.delete_user_policy(UserName="alice", PolicyName="console")
    iam.delete_user(UserName="alice")


def _reset_password(iam: Any) -> None:
    iam.update_login_profile(UserName="alice", Password="Admin-Set-Pass-9")


@pytest.mark.parametrize("revoke", [_delete_profile, _delete_user, _reset_password])
def test_api_changes_end_console_sessions(
    server: Server, iam: Any, browser: httpx.Client, revoke: Callable[[Any], None]
) -> None:
    """DeleteLoginProfile, DeleteUser, or a new password end the user's session at its next request."""
    console_user(
        iam,
        "alice",
        policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}',
    )
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    assert browser.get("/console/users").status_code == 200
    revoke(iam)
    assert browser.get("/console/users").headers["location"] == "/signin"


@pytest.mark.parametrize("path", ["/console", "/console/home", "/console/users", "/console/no/such/page"])
def test_unauthenticated_console_requests_go_to_signin(server: Server, path: str) -> None:
    """Every console path without a session (or with a forged cookie) redirects to sign-in."""
    for cookies in ({}, {"credo-console": "forged.0000"}):
        with httpx.Client(base_url=server.endpoint, cookies=cookies) as client:
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == "/signin"


@pytest.mark.parametrize(("step", "moves"), [(3601, 1), (3000, 15)])
def test_sessions_expire(server: Server, browser: httpx.Client, clock: Any, step: int, moves: int) -> None:
    """A session ends after an hour idle, and after 12 hours however busy."""
    set_root_login(server)
    sign_in_root(browser)
    for _ in range(moves - 1):
        clock.move(step)
        assert browser.get("/console/home").status_code == 200
    clock.move(step)
    assert browser.get("/console/home").headers["location"] == "/signin"


def test_every_attempt_is_recorded(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Sign-in attempts leave a row each, failures and successes alike."""
    console_user(iam, "alice")
    sign_in(browser, DEV_ACCOUNT, "alice", "Wrong-Password-1")
    sign_in(browser, DEV_ACCOUNT, "alice", USER_PASSWORD)
    engine = create_engine(normalize_url(server.extra["database_url"]))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                sign_in_attempts.c.user_name,
                sign_in_attempts.c.account_id,
                sign_in_attempts.c.source_ip,
                sign_in_attempts.c.outcome,
            ).order_by(sign_in_attempts.c.id)
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("alice", DEV_ACCOUNT, "127.0.0.1", "failure"),
        ("alice", DEV_ACCOUNT, "127.0.0.1", "success"),
    ]
