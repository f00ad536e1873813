"""The portal settings ``credo sso admin`` keeps on the server's machine: ``session-duration``
shortens new sign-ins and the tokens issued to them, ``set-password`` applies the management
account's password policy (AWS's messages) and ends the user's sign-ins and tokens."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import CREDO, Server
from tests.mfa_support import DeviceClock
from tests.sso.portal.support import (
    DEVICE_GRANT,
    PASSWORD,
    Assigned,
    device_token,
    oidc,
    portal,
    set_password,
    sign_in,
)

HOUR = 3600


def session_duration(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """``credo sso admin session-duration [DURATION]`` on the server's store."""
    return subprocess.run(
        [CREDO, "sso", "admin", "session-duration", *args, "--database-url", server.extra["database_url"]],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_session_duration_shortens_new_sign_ins_and_their_tokens(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client], clock: DeviceClock
) -> None:
    """After `session-duration PT1H` a new sign-in's token says expiresIn of at most an hour and
    stops working after it; a sign-in made before keeps its eight hours."""
    shown = session_duration(server)
    assert shown.returncode == 0 and "Access portal sign-ins last 8:00:00" in shown.stdout
    earlier = browser()
    sign_in(earlier, "/start")
    changed = session_duration(server, "PT1H")
    assert changed.returncode == 0, changed.stderr
    assert (
        "Access portal sign-ins last 1:00:00 (new sign-ins; existing ones keep their end)" in changed.stdout
    )

    # Clients registered without grant types get one token for the rest of their sign-in.
    new = device_token(server, browser())
    assert HOUR - 60 <= new["expiresIn"] <= HOUR
    old = device_token(server, earlier)
    assert old["expiresIn"] > 7 * HOUR
    # A refresh token cannot outlive its sign-in either.
    refreshing = device_token(server, browser(), grant_types=[DEVICE_GRANT, "refresh_token"])

    client = portal(server)
    assert client.list_accounts(accessToken=new["accessToken"])["accountList"]
    clock.move(HOUR + 1)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=new["accessToken"])
    with pytest.raises(oidc(server).exceptions.InvalidGrantException):
        oidc(server).create_token(
            clientId=refreshing["clientId"],
            clientSecret=refreshing["clientSecret"],
            grantType="refresh_token",
            refreshToken=refreshing["refreshToken"],
        )
    assert client.list_accounts(accessToken=old["accessToken"])["accountList"]

    for wrong in ("PT5M", "P91D", "soon"):
        refused = session_duration(server, wrong)
        assert refused.returncode != 0
    assert "between 15 minutes and 90 days" in session_duration(server, "PT5M").stderr
    assert "Access portal sign-ins last 1:00:00" in session_duration(server).stdout


@pytest.mark.parametrize(
    ("policy", "password", "message"),
    [
        (None, "Short-1", "Password should have a minimum length of 8"),
        (
            None,
            "alllowercaseletters",
            "Password should have at least three of the following character types: "
            "uppercase letters, lowercase letters, numbers and symbols",
        ),
        ({"MinimumPasswordLength": 20}, "Long-Enough-1!", "Password should have a minimum length of 20"),
        ({"RequireSymbols": True}, "NoSymbolsHere123", "Password should have at least one symbol"),
    ],
)
def test_set_password_follows_the_management_accounts_policy(
    server: Server,
    alice: Assigned,
    iam: Any,
    browser: Callable[[], httpx.Client],
    policy: dict[str, Any] | None,
    password: str,
    message: str,
) -> None:
    """A password breaking the policy (AWS's default rules without one) is refused with AWS's
    PasswordPolicyViolation message; the old password still signs in."""
    if policy is not None:
        iam.update_account_password_policy(**policy)
    refused = set_password(server, "alice", password)
    assert refused.returncode == 1
    assert f"{message} (the management account's password policy applies)" in refused.stderr
    assert "123456789012" in sign_in(browser(), "/start", password=PASSWORD).text


def test_set_password_ends_sign_ins_and_their_tokens(
    server: Server, alice: Assigned, browser: Callable[[], httpx.Client]
) -> None:
    """A new password ends every portal sign-in of the user: the browser is asked to sign in
    again, access tokens are refused, refresh tokens are spent; only the new password works."""
    web = browser()
    sign_in(web, "/start")
    token = device_token(server, web, grant_types=[DEVICE_GRANT, "refresh_token"])
    client = portal(server)
    assert client.list_accounts(accessToken=token["accessToken"])["accountList"]

    changed = set_password(server, "alice", "A-New-Portal-Pass-9")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == "Password set for alice; 1 portal sign-in(s) ended"
    assert "/start/signin" in web.get("/start").text
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc(server).exceptions.InvalidGrantException):
        oidc(server).create_token(
            clientId=token["clientId"],
            clientSecret=token["clientSecret"],
            grantType="refresh_token",
            refreshToken=token["refreshToken"],
        )
    old = sign_in(browser(), "/start", password=PASSWORD)
    assert old.status_code == 401 and "Your authentication information is incorrect" in old.text
    assert "123456789012" in sign_in(browser(), "/start", password="A-New-Portal-Pass-9").text
