"""Server logs: one JSON object per line (``--log-format json``), each request's id on its lines, no secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.conftest import NO_RETRIES, REGION, start_server, stop_server
from tests.console.conftest import sign_in
from tests.server.test_bootstrap import fresh_database

ROOT = ("AKIAROOTLOGTEST00001", "root-secret-never-logged-0123456789abcdef")
PASSWORD = "Pw-Very-Secret-42!"
WRONG = "Wrong-Secret-Guess-7!"
ENV = {
    "CREDO_LOG_LEVEL": "debug",
    "CREDO_ACCOUNT_ID": "123456789012",
    "CREDO_ROOT_ACCESS_KEY_ID": ROOT[0],
    "CREDO_ROOT_SECRET_ACCESS_KEY": ROOT[1],
}


def _client(endpoint: str, service: str, key: str, secret: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name=REGION,
        config=NO_RETRIES,
    )


def _serve_secrets(endpoint: str) -> tuple[dict[str, str], list[str]]:
    """Requests that carry secrets (a console password, a new access key); their ids by what they were, and the secrets."""
    iam = _client(endpoint, "iam", *ROOT)
    ids = {}
    iam.create_user(UserName="alice")
    answer = iam.create_login_profile(UserName="alice", Password=PASSWORD)
    ids["CreateLoginProfile"] = answer["ResponseMetadata"]["RequestId"]
    key = iam.create_access_key(UserName="alice")
    ids["CreateAccessKey"] = key["ResponseMetadata"]["RequestId"]
    with httpx.Client(base_url=endpoint, timeout=30) as browser:
        ids["/signin refused"] = sign_in(browser, "123456789012", "alice", WRONG).headers["x-amzn-requestid"]
        ids["/signin"] = sign_in(browser, "123456789012", "alice", PASSWORD).headers["x-amzn-requestid"]
    return ids, [PASSWORD, WRONG, ROOT[1], key["AccessKey"]["SecretAccessKey"]]


def test_json_lines_with_request_ids_and_no_secret(tmp_path: Path, store_kind: str) -> None:
    """Every line is a JSON object; each request's lines carry its id; passwords and keys appear nowhere."""
    with fresh_database(store_kind, tmp_path) as where:
        if "--data-dir" not in where:
            where = [*where, "--data-dir", str(tmp_path / "data")]
        server = start_server(tmp_path, *where, "--log-format", "json", env=ENV)
        try:
            ids, secrets = _serve_secrets(server.endpoint)
        finally:
            stop_server(server)
    text = server.log()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any(line["message"].startswith("credo listening on") for line in lines)
    by_id = {line.get("request_id"): line for line in lines if line["logger"] == "credo.requests"}
    assert by_id[ids["CreateLoginProfile"]]["message"].startswith("iam CreateLoginProfile 200 ")
    assert by_id[ids["CreateAccessKey"]]["message"].startswith("iam CreateAccessKey 200 ")
    assert by_id[ids["/signin refused"]]["message"].startswith("console POST /signin 401 ")
    assert by_id[ids["/signin"]]["message"].startswith("console POST /signin 303 ")
    for secret in secrets:
        assert secret not in text


def test_text_lines_name_the_request(tmp_path: Path) -> None:
    """In the default text format a request's lines say ``[request ID]`` too, and hold no secret."""
    server = start_server(tmp_path, "--data-dir", str(tmp_path / "data"), env=ENV)
    try:
        ids, secrets = _serve_secrets(server.endpoint)
    finally:
        stop_server(server)
    text = server.log()
    for request_id in ids.values():
        assert f" DEBUG credo.requests [request {request_id}] " in text
    for secret in secrets:
        assert secret not in text


def test_start_up_warnings_are_json_too(tmp_path: Path) -> None:
    """In JSON mode the start-up warnings (a data dir open to others) are log records like the rest."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    server = start_server(
        tmp_path, "--data-dir", str(data), "--log-format", "json", "--workers", "1", env=ENV
    )
    stop_server(server)
    lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    warnings = [line for line in lines if line["level"] == "WARNING" and line["logger"] == "credo.serve"]
    assert len(warnings) == 1 and "was open to group or others (mode 0755)" in warnings[0]["message"]
