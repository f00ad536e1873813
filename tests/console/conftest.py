"""Console test helpers: an httpx browser stand-in, form tokens, and root sign-in details."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, update

from credo.passwords import hash_password
from credo.store.db import normalize_url
from credo.store.schema import accounts
from tests.conftest import DEV_ACCOUNT, Server

ROOT_EMAIL = "owner@example.com"
ROOT_PASSWORD = "Root-Password-1"
USER_PASSWORD = "User-Password-1"
INCORRECT = "Your authentication information is incorrect. Please try again."


def set_root_login(server: Server, email: str = ROOT_EMAIL, password: str = ROOT_PASSWORD) -> None:
    """What ``credo init --email … --prompt-password`` stores, written to the dev server's store."""
    engine = create_engine(normalize_url(server.extra["database_url"]))
    with engine.begin() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.id == DEV_ACCOUNT)
            .values(email=email, root_password_hash=hash_password(password))
        )
    engine.dispose()


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(browser: httpx.Client, account: str, user: str, password: str) -> httpx.Response:
    form = browser.get("/signin", params={"account": account})
    return browser.post(
        "/signin",
        data={"csrf_token": csrf_of(form), "account": account, "username": user, "password": password},
    )


def sign_in_root(
    browser: httpx.Client, email: str = ROOT_EMAIL, password: str = ROOT_PASSWORD
) -> httpx.Response:
    form = browser.get("/signin/root")
    return browser.post(
        "/signin/root", data={"csrf_token": csrf_of(form), "email": email, "password": password}
    )


def console_user(iam: Any, name: str, *, reset: bool = False, policy: str | None = None) -> str:
    """An IAM user with a console password (and an inline policy)."""
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=USER_PASSWORD, PasswordResetRequired=reset)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="console", PolicyDocument=policy)
    return name


@pytest.fixture
def browser(server: Server) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client that does not follow redirects, like a browser's first hop."""
    with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as client:
        yield client
