"""The signing keys of OIDC issuers: discovered, fetched over https, cached, refreshed on demand.

``<issuer>/.well-known/openid-configuration`` names the ``jwks_uri``; the key set found there is
kept for ``ttl`` seconds per issuer. A token whose ``kid`` is not in the cached set may ask for
a fresh fetch (``refresh=True``): keys get rotated in before tokens signed with them arrive.
Such refreshes are rate-limited per issuer, so random ``kid`` values cannot turn credo into a
flood of requests to the IdP. Requests for the same issuer wait for one fetch rather than each
making its own; a fetch that failed while a request waited is that request's answer too.

Fetches have short timeouts, an overall deadline and a size cap, never follow redirects, and
check TLS certificates against the system's trust store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
add a private CA). Issuers are https, or http on loopback when the setting allows it. Every
failure is ``IDPCommunicationError``. This module does network I/O: the server runs its callers
off the event loop (``Operation(blocking=True)``).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from credo.errors import IDPCommunicationError

DEFAULT_TTL_SECONDS = 600.0
# At most one refresh for an unknown kid per issuer this often.
REFRESH_INTERVAL_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
# A whole fetch (discovery and key set) ends by this, however slowly the IdP drips bytes.
DEADLINE_SECONDS = 5.0
MAX_DISCOVERY_BYTES = 64 * 1024
MAX_JWKS_BYTES = 256 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
UNREACHABLE = "The identity provider could not be reached to verify the web identity token."


@dataclass
class _Entry:
    """One issuer's keys (or its last failure) and when they were fetched."""

    lock: threading.Lock
    keys: Mapping[str, Any] | None = None
    fetched_at: float = float("-inf")
    refreshed_at: float = float("-inf")
    failure: IDPCommunicationError | None = None
    failed_at: float = float("-inf")


def _allowed_url(url: str, allow_loopback_http: bool) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and allow_loopback_http and parts.hostname in LOOPBACK_HOSTS


class JwksCache:
    """Key sets per issuer URL, shared by all requests of one server process."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._refresh_interval = refresh_interval
        self._monotonic = monotonic
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def keys(self, issuer: str, *, allow_loopback_http: bool, refresh: bool = False) -> Mapping[str, Any]:
        """The issuer's JWKS; fetched when not cached, stale, or ``refresh`` (rate-limited)."""
        arrived = self._monotonic()
        with self._lock:
            entry = self._entries.setdefault(issuer, _Entry(threading.Lock()))
        with entry.lock:
            now = self._monotonic()
            if entry.failure is not None and entry.failed_at >= arrived:
                # Another request fetched (and failed) while this one waited.
                raise entry.failure
            fresh = entry.keys is not None and now - entry.fetched_at < self._ttl
            if fresh and entry.fetched_at >= arrived:
                refresh = False  # fetched while this one waited: as fresh as it gets
            if fresh and refresh and now - entry.refreshed_at < self._refresh_interval:
                refresh = False
            if fresh and not refresh:
                assert entry.keys is not None
                return entry.keys
            try:
                keys = self._fetch(issuer, allow_loopback_http)
            except IDPCommunicationError as error:
                entry.failure, entry.failed_at = error, self._monotonic()
                raise
            entry.keys, entry.fetched_at, entry.failure = keys, self._monotonic(), None
            if refresh:
                entry.refreshed_at = entry.fetched_at
            return keys

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=httpx.Timeout(
                        READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS, pool=CONNECT_TIMEOUT_SECONDS
                    ),
                    follow_redirects=False,
                    verify=ssl.create_default_context(),
                    trust_env=False,
                    headers={"accept": "application/json"},
                )
            return self._client

    def _fetch(self, issuer: str, allow_loopback_http: bool) -> Mapping[str, Any]:
        deadline = self._monotonic() + DEADLINE_SECONDS
        if not _allowed_url(issuer, allow_loopback_http):
            raise IDPCommunicationError(UNREACHABLE, detail="The issuer URL is not https.")
        discovery = self._get_json(
            issuer.rstrip("/") + "/.well-known/openid-configuration", MAX_DISCOVERY_BYTES, deadline
        )
        if discovery.get("issuer") != issuer:
            raise IDPCommunicationError(
                UNREACHABLE,
                detail=f"The discovery document's issuer is not {issuer}, the provider's URL.",
            )
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not _allowed_url(jwks_uri, allow_loopback_http):
            raise IDPCommunicationError(UNREACHABLE, detail="The discovery document names no https jwks_uri.")
        keys = self._get_json(jwks_uri, MAX_JWKS_BYTES, deadline)
        if not isinstance(keys.get("keys"), list):
            raise IDPCommunicationError(
                UNREACHABLE, detail="The jwks_uri did not answer a JWKS (no keys list)."
            )
        return keys

    def _get_json(self, url: str, max_bytes: int, deadline: float) -> dict[str, Any]:
        """A JSON object from ``url`` within the deadline and size cap; IDPCommunicationError else."""
        where = urlsplit(url)._replace(query="", fragment="").geturl()
        try:
            with self._http().stream("GET", url) as response:
                if response.status_code != 200:
                    raise IDPCommunicationError(
                        UNREACHABLE, detail=f"{where} answered HTTP {response.status_code}."
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise IDPCommunicationError(
                            UNREACHABLE, detail=f"{where} answered more than {max_bytes} bytes."
                        )
                    if self._monotonic() > deadline:
                        raise IDPCommunicationError(
                            UNREACHABLE, detail=f"{where} did not answer within {DEADLINE_SECONDS:g} seconds."
                        )
        except httpx.TimeoutException:
            raise IDPCommunicationError(UNREACHABLE, detail=f"{where} timed out.") from None
        except httpx.HTTPError as error:
            refused = _certificate_refusal(error)
            if refused is not None:
                raise IDPCommunicationError(
                    UNREACHABLE,
                    detail=f"{where}: its TLS certificate is not trusted ({refused.verify_message}); "
                    "a private CA is trusted through the server's SSL_CERT_FILE or SSL_CERT_DIR.",
                ) from None
            raise IDPCommunicationError(
                UNREACHABLE, detail=f"{where} could not be reached ({type(error).__name__})."
            ) from None
        try:
            value = json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise IDPCommunicationError(UNREACHABLE, detail=f"{where} did not answer JSON.") from None
        if not isinstance(value, dict):
            raise IDPCommunicationError(UNREACHABLE, detail=f"{where} did not answer a JSON object.")
        return value


def _certificate_refusal(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind an httpx error, if that is what it was."""
    seen: BaseException | None = error
    for _ in range(8):  # a few layers (httpx, httpcore, ssl); never loop on a cyclic chain
        if seen is None or isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
