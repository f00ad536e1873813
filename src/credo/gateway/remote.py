"""Deciding through the decision endpoint: the middleware's remote mode.

Your service calls ``POST /_credo/authorize`` with its own credo credentials (botocore's
credential chain by default: ``AWS_ACCESS_KEY_ID``…, a profile, a role), signed for the service
``credo``; that key needs ``credo:Authorize`` on ``arn:aws:credo::ACCOUNT:service/PREFIX``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.session import Session

from credo.gateway.decision import OriginalRequest
from credo.gateway.endpoint import SIGNING_NAME
from credo.gateway.outcome import Outcome


class RemoteDeciderError(RuntimeError):
    """The decision endpoint could not be asked, or refused the call itself (not the request)."""


class RemoteDecider:
    """Asks a credo server; ``decide`` (blocking, for WSGI) or ``adecide`` (for ASGI)."""

    def __init__(
        self,
        endpoint_url: str,
        credentials: Credentials | None = None,
        region: str = "us-east-1",
        timeout: float = 10.0,
    ) -> None:
        self.url = endpoint_url.rstrip("/") + "/_credo/authorize"
        found = credentials if credentials is not None else Session().get_credentials()
        if found is None:
            raise RemoteDeciderError("no credentials for the decision endpoint (botocore's chain found none)")
        self.credentials = found
        self.region = region
        self.client = httpx.Client(timeout=timeout)
        self.async_client = httpx.AsyncClient(timeout=timeout)

    def _signed(self, request: OriginalRequest) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(_document(request), separators=(",", ":")).encode()
        call = AWSRequest("POST", self.url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self.credentials, SIGNING_NAME, self.region).add_auth(call)
        return body, dict(call.headers.items())

    def decide(self, request: OriginalRequest) -> Outcome:
        body, headers = self._signed(request)
        try:
            answer = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise RemoteDeciderError(f"could not reach {self.url}: {error}") from None
        return _outcome(answer)

    async def adecide(self, request: OriginalRequest) -> Outcome:
        body, headers = self._signed(request)
        try:
            answer = await self.async_client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise RemoteDeciderError(f"could not reach {self.url}: {error}") from None
        return _outcome(answer)

    def close(self) -> None:
        self.client.close()


def _document(request: OriginalRequest) -> dict[str, Any]:
    """The endpoint's body (``credo.gateway.request_body``) for ``request``."""
    found: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "headers": [list(pair) for pair in _pairs(request.headers)],
        "payload_hash": request.payload_hash,
        "source_ip": request.source_ip,
        "secure_transport": request.secure_transport,
        "context": dict(request.context),
    }
    optional = {"service": request.service, "action": request.action, "resource": request.resource}
    found.update({name: value for name, value in optional.items() if value is not None})
    if request.resource_policy is not None:
        found["resource_policy"] = request.resource_policy.document
    return found


def _pairs(headers: Sequence[tuple[str, str]] | dict[str, str]) -> Iterable[tuple[str, str]]:
    return headers.items() if isinstance(headers, dict) else headers


def _outcome(answer: httpx.Response) -> Outcome:
    if answer.status_code != 200:
        raise RemoteDeciderError(f"the decision endpoint answered {answer.status_code}: {answer.text[:500]}")
    return Outcome.from_document(answer.json())
