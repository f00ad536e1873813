"""The three ways clients sign requests to the widgets service: botocore's SigV4Auth, awscurl
(its request function, which its command line calls; one test runs the command itself) and
requests-aws4auth. Each sends one request and returns status, headers and body."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import requests
from awscurl.awscurl import make_request
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from tests.conftest import REGION
from tests.gateway.support import signed


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        import json

        return json.loads(self.text)

    @property
    def reason(self) -> str:
        return self.headers.get("x-credo-reason", "")


def botocore_send(
    keys: Credentials,
    method: str,
    url: str,
    body: bytes,
    *,
    service: str,
    tamper: bytes | None,
    declare: bool,
) -> Reply:
    headers = {"X-Amz-Content-Sha256": hashlib.sha256(body).hexdigest()} if declare else {}
    request = signed(keys, method, url, body, service=service, headers=headers)
    sent = body if tamper is None else tamper
    answer = httpx.request(method, url, content=sent, headers=dict(request.headers.items()), timeout=30)
    return Reply(answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.text)


def awscurl_send(
    keys: Credentials,
    method: str,
    url: str,
    body: bytes,
    *,
    service: str,
    tamper: bytes | None,
    declare: bool,
) -> Reply:
    assert tamper is None, "awscurl sends what it signs"
    answer = make_request(
        method,
        service,
        REGION,
        url,
        {},
        body.decode(),
        keys.access_key,
        keys.secret_key,
        keys.token or "",
        False,
    )
    return Reply(answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.text)


def aws4auth_send(
    keys: Credentials,
    method: str,
    url: str,
    body: bytes,
    *,
    service: str,
    tamper: bytes | None,
    declare: bool,
) -> Reply:
    auth = AWS4Auth(keys.access_key, keys.secret_key, REGION, service, session_token=keys.token)
    prepared = requests.Request(method, url, data=body, auth=auth).prepare()
    if tamper is not None:
        prepared.body = tamper
        prepared.headers["Content-Length"] = str(len(tamper))
    with requests.Session() as session:
        answer = session.send(prepared, timeout=30)
    return Reply(answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.text)


CLIENTS = {"botocore": botocore_send, "awscurl": awscurl_send, "requests-aws4auth": aws4auth_send}
