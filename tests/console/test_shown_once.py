"""Shown-once secrets live in the store: any process shows them, once, sealed at rest, for ten minutes."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, inspect, select, text, update
from sqlalchemy.engine import make_url

from credo.keyring import MasterKeyFile, key_id_of
from credo.passwords import hash_password
from credo.store.db import normalize_url
from credo.store.schema import accounts, console_shown_once
from tests.conftest import Server, start_server, stop_server
from tests.console.conftest import ROOT_EMAIL, ROOT_PASSWORD, csrf_of, set_root_login, sign_in_root
from tests.server.test_bootstrap import credentials_from, fresh_database, run_credo

SECRET = re.compile(r'<code id="secret-access-key">([^<]+)</code>')
PASSWORD = re.compile(r'<code id="console-password">([^<]+)</code>')
CUSTOM_PASSWORD = "Shown-Once-Pass-7"


@pytest.fixture(scope="module")
def other_process(dev_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second ``credo serve`` on the dev server's store (the same SQLite file or PostgreSQL database)."""
    tmp = tmp_path_factory.mktemp("other-process")
    other = start_server(
        tmp, "--dev", "--data-dir", str(tmp / "data"), database_url=dev_server.extra["database_url"]
    )
    yield other
    stop_server(other)
    assert "Traceback" not in other.log()


def as_root(server: Server, browser: httpx.Client) -> str:
    """Sign root in on ``server``; the CSRF token of its session."""
    set_root_login(server)
    assert sign_in_root(browser).status_code == 303
    return csrf_of(browser.get("/console/home"))


def create_key(browser: httpx.Client, token: str, user: str) -> str:
    """Press **Create access key** for ``user``; the path of the page that shows the secret."""
    made = browser.post(f"/console/users/{user}/access-keys/create", data={"csrf_token": token})
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def secret_on(page: httpx.Response) -> str | None:
    assert page.status_code == 200, page.text
    found = SECRET.search(page.text)
    return html.unescape(found.group(1)) if found else None


def viewed_at_once(servers: list[Server], cookies: httpx.Cookies, path: str) -> list[str | None]:
    """The secret each server's page shows when all are asked at the same moment."""
    shown: list[str | None] = []
    start = threading.Barrier(len(servers))

    def view(endpoint: str) -> None:
        with httpx.Client(base_url=endpoint, cookies=cookies, timeout=30) as client:
            start.wait()
            shown.append(secret_on(client.get(path)))

    threads = [threading.Thread(target=view, args=(server.endpoint,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return shown


def rows(database_url: str) -> list[dict[str, Any]]:
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(console_shown_once)).mappings()]
    finally:
        engine.dispose()


def stored_bytes(database_url: str) -> bytes:
    """Everything the store holds: a SQLite file and its WAL, or every row of every PostgreSQL table."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "")
        return b"".join(path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            chunks = []
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    chunks += [value if isinstance(value, bytes) else str(value).encode() for value in row]
            return b"\0".join(chunks)
    finally:
        engine.dispose()


def test_made_on_one_process_shown_once_by_another(
    server: Server, other_process: Server, iam: Any, browser: httpx.Client
) -> None:
    """A key made through one process is shown by the other, with the same cookie, once; neither shows it again."""
    iam.create_user(UserName="alice")
    token = as_root(server, browser)
    created = create_key(browser, token, "alice")
    with httpx.Client(base_url=other_process.endpoint, cookies=browser.cookies, timeout=30) as there:
        secret = secret_on(there.get(created))
        assert secret is not None
        assert secret_on(there.get(created)) is None
    assert secret_on(browser.get(created)) is None
    key_id = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"]
    sts = server.client("sts", key_id, secret)
    assert sts.get_caller_identity()["Arn"].endswith(":user/alice")
    assert rows(server.extra["database_url"]) == []
    assert secret not in server.log() and secret not in other_process.log()


def test_two_processes_racing_show_it_once(
    server: Server, other_process: Server, iam: Any, browser: httpx.Client
) -> None:
    """Both processes asked for the result page at the same moment: exactly one shows the secret."""
    iam.create_user(UserName="bob")
    token = as_root(server, browser)
    for _ in range(3):
        for key in iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]:
            iam.delete_access_key(UserName="bob", AccessKeyId=key["AccessKeyId"])
        created = create_key(browser, token, "bob")
        shown = viewed_at_once([server, other_process], browser.cookies, created)
        assert len(shown) == 2 and len([secret for secret in shown if secret is not None]) == 1


def test_sealed_at_rest_and_gone_once_taken(server: Server, iam: Any, browser: httpx.Client) -> None:
    """While it waits, the password is in no byte of the store (sealed, bound to its row); once shown, its row is gone."""
    iam.create_user(UserName="carol")
    iam.create_user(UserName="dave")
    token = as_root(server, browser)
    for user in ("carol", "dave"):
        page = f"/console/users/{user}/console-access"
        applied = browser.post(
            page,
            data={
                "csrf_token": token,
                "access": "enable",
                "password": "custom",
                "custom_password": CUSTOM_PASSWORD,
            },
        )
        assert applied.status_code == 303 and applied.headers["location"] == f"{page}/password"
    database_url = server.extra["database_url"]
    waiting = rows(database_url)
    assert sorted(row["purpose"] for row in waiting) == ["console-password:carol", "console-password:dave"]
    assert CUSTOM_PASSWORD.encode() not in stored_bytes(database_url)
    assert all(CUSTOM_PASSWORD.encode() not in bytes(row["value_sealed"]) for row in waiting)

    # Each sealed value opens only in its own row: swapped, neither shows anything.
    carol, dave = sorted(waiting, key=lambda row: str(row["purpose"]))
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.begin() as conn:
            for row, other in ((carol, dave), (dave, carol)):
                conn.execute(
                    update(console_shown_once)
                    .where(console_shown_once.c.id == row["id"])
                    .values(value_sealed=other["value_sealed"])
                )
    finally:
        engine.dispose()
    assert PASSWORD.search(browser.get("/console/users/carol/console-access/password").text) is None
    assert rows(database_url) == [dave | {"value_sealed": carol["value_sealed"]}]

    # A fresh one, shown: its row is deleted by the same statement that read it.
    browser.post(
        "/console/users/dave/console-access",
        data={
            "csrf_token": token,
            "access": "enable",
            "password": "custom",
            "custom_password": "Other-Pass-8",
        },
    )
    assert len(rows(database_url)) == 1
    shown = browser.get("/console/users/dave/console-access/password").text
    found = PASSWORD.search(shown)
    assert found is not None and html.unescape(found.group(1)) == "Other-Pass-8"
    assert rows(database_url) == []


def test_expires_after_ten_minutes(server: Server, iam: Any, browser: httpx.Client) -> None:
    """A secret not viewed within ten minutes (the dev clock moved) is gone, and swept at the next put."""
    iam.create_user(UserName="erin")
    iam.create_user(UserName="finn")
    token = as_root(server, browser)
    late = create_key(browser, token, "erin")
    kept = create_key(browser, token, "finn")
    server.advance_clock(9 * 60)
    assert secret_on(browser.get(kept)) is not None  # within ten minutes
    server.advance_clock(60)
    assert secret_on(browser.get(late)) is None
    assert rows(server.extra["database_url"]) == []
    stale = create_key(browser, token, "erin")
    server.advance_clock(10 * 60)
    fresh = create_key(browser, token, "finn")
    assert [row["purpose"] for row in rows(server.extra["database_url"])] == ["access-key:finn"]
    assert secret_on(browser.get(stale)) is None and secret_on(browser.get(fresh)) is not None


def test_signing_out_drops_what_waits(server: Server, iam: Any, browser: httpx.Client) -> None:
    """Sign-out ends the session and every secret waiting for it."""
    iam.create_user(UserName="gus")
    token = as_root(server, browser)
    create_key(browser, token, "gus")
    assert len(rows(server.extra["database_url"])) == 1
    assert browser.post("/signout", data={"csrf_token": token}).status_code == 303
    assert rows(server.extra["database_url"]) == []


def test_a_session_holds_sixteen_at_most(server: Server, iam: Any, browser: httpx.Client) -> None:
    """The seventeenth waiting secret pushes out the oldest: a session cannot pile them up."""
    token = as_root(server, browser)
    pages = []
    for index in range(17):
        iam.create_user(UserName=f"u{index:02d}")
        pages.append(create_key(browser, token, f"u{index:02d}"))
    assert len(rows(server.extra["database_url"])) == 16
    assert secret_on(browser.get(pages[-1])) is not None
    assert secret_on(browser.get(pages[0])) is None


def test_master_key_rotation_reseals_what_waits(tmp_path: Path, store_kind: str) -> None:
    """``credo keys rotate-master`` re-seals a waiting secret under the new key; the page still shows it."""
    with fresh_database(store_kind, tmp_path) as where:
        if "--data-dir" not in where:
            where = [*where, "--data-dir", str(tmp_path / "data")]
        data_dir = Path(where[where.index("--data-dir") + 1])
        database_url = (
            where[where.index("--database-url") + 1]
            if "--database-url" in where
            else f"sqlite:///{data_dir / 'credo.sqlite3'}"
        )
        server = start_server(tmp_path, *where)
        try:
            root_key, root_secret = credentials_from(server.log())
            engine = create_engine(normalize_url(database_url))
            try:
                with engine.begin() as conn:
                    conn.execute(
                        update(accounts).values(
                            email=ROOT_EMAIL, root_password_hash=hash_password(ROOT_PASSWORD)
                        )
                    )
            finally:
                engine.dispose()
            server.client("iam", root_key, root_secret).create_user(UserName="alice")
            with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as browser:
                assert sign_in_root(browser).status_code == 303
                token = csrf_of(browser.get("/console/home"))
                created = create_key(browser, token, "alice")
                (old_master,) = MasterKeyFile(data_dir / "master.key").read()
                assert [row["value_key_id"] for row in rows(database_url)] == [key_id_of(old_master)]
                rotated = run_credo("keys", "rotate-master", *where)
                assert rotated.returncode == 0, rotated.stderr
                assert "console shown-once secrets: 1 re-sealed" in rotated.stdout, rotated.stdout
                new_master, _old = MasterKeyFile(data_dir / "master.key").read()
                assert [row["value_key_id"] for row in rows(database_url)] == [key_id_of(new_master)]
                secret = secret_on(browser.get(created))
                assert secret is not None
            alice = server.client("iam", root_key, root_secret).list_access_keys(UserName="alice")
            key_id = alice["AccessKeyMetadata"][0]["AccessKeyId"]
            assert server.client("sts", key_id, secret).get_caller_identity()["Arn"].endswith(":user/alice")
        finally:
            stop_server(server)
        assert "Traceback" not in server.log()
