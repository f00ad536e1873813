"""One frozen Settings object, built from ``CREDO_*`` environment variables and CLI flags.

Flags win over the environment; the environment wins over defaults. Nothing else in credo
reads ``os.environ`` for server configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEV_ACCOUNT_ID = "123456789012"
DEV_ROOT_ACCESS_KEY_ID = "test"
DEV_ROOT_SECRET_ACCESS_KEY = "test"
DEFAULT_PORT = 7300
LOG_FORMATS = ("text", "json")
METRICS_ACCESS = ("loopback", "public", "off")


class SettingsError(ValueError):
    """A ``CREDO_*`` variable whose value cannot be used; the message names it."""


def _number(env: Mapping[str, str], name: str, default: float, kind: type[int] | type[float]) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name} must be a {kind.__name__} number, not {text!r}") from None
    if value < 0 or value != value:  # negative or NaN
        raise SettingsError(f"{name} must not be negative, not {text!r}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {env[name]!r}")
    return value


# Test suites only: passwords hashed with argon2id at the least cost it allows (credo.passwords),
# so a suite that hashes a thousand passwords does not spend minutes of CPU on them. A hash keeps
# the parameters it was made with, and every hash verifies at its own cost. Unset, as everywhere
# real passwords are typed, credo uses argon2's recommended parameters.
INSECURE_FAST_PASSWORD_HASHING = "CREDO_INSECURE_FAST_PASSWORD_HASHING"


def insecure_fast_password_hashing(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``CREDO_INSECURE_FAST_PASSWORD_HASHING`` asks for test-cost password hashes."""
    env = os.environ if environ is None else environ
    return env.get(INSECURE_FAST_PASSWORD_HASHING, "").strip().lower() in {"1", "true", "yes"}


def default_data_dir() -> Path:
    """Where the embedded store lives unless told otherwise (XDG-style, per user)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "credo"


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know at start-up."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path | None = None
    database_url: str | None = None
    dev: bool = False
    master_key: str | None = None
    account_id: str | None = None
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = None
    trusted_proxy_depth: int = 0
    log_level: str = "info"
    # Connection limits (credo.server.connection_limits): a whole request must arrive within
    # request_timeout seconds; an idle kept-alive connection closes after keep_alive_timeout;
    # beyond max_connections, new connections are answered 503 at once.
    request_timeout: float = 30.0
    keep_alive_timeout: float = 5.0
    max_connections: int = 1000
    # OpenID Connect providers, and the issuers whose keys AssumeRoleWithWebIdentity fetches,
    # must be https; this also allows http://127.0.0.1, http://[::1] and http://localhost, so a
    # real IdP can run on loopback in tests. ``dev`` allows them too.
    oidc_loopback_http: bool = False
    # Logs: "text" or "json" (one object per line, with the request id); see credo.server.logs.
    log_format: str = "text"
    # Who may read GET /metrics: "loopback" (peers on 127.0.0.0/8 or ::1 that came through no
    # proxy), "public" (anyone who can reach the port) or "off" (the path is not served).
    metrics: str = "loopback"
    # TLS: uvicorn serves https with this certificate chain and private key (PEM files).
    certfile: Path | None = None
    keyfile: Path | None = None
    # On SIGTERM, in-flight requests get this long to finish before their connections close.
    shutdown_timeout: float = 30.0
    # Server processes sharing the port and the store (credo.server.workers); None: one per
    # core, or one in dev mode.
    workers: int | None = None
    # Audit events older than this many days are deleted (0: kept for ever); CloudTrail's event
    # history keeps 90.
    audit_retention_days: float = 90.0
    # Read-only calls' events wait in memory for the flush (once a second); past this many, the
    # server takes no new API request until a flush has written them (credo.audit.trail).
    audit_backlog: int = 20_000
    # nginx's auth_request mode (GET /_credo/authorize/nginx, credo.gateway): the secret the
    # gateway sends in X-Credo-Gateway-Secret; None: the mode is off.
    gateway_secret: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the ``CREDO_*`` variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("CREDO_HOST", cls.host),
            port=int(_number(env, "CREDO_PORT", cls.port, int)),
            data_dir=Path(env["CREDO_DATA_DIR"]) if env.get("CREDO_DATA_DIR") else None,
            database_url=env.get("CREDO_DATABASE_URL") or None,
            dev=env.get("CREDO_DEV", "").lower() in {"1", "true", "yes"},
            master_key=env.get("CREDO_MASTER_KEY") or None,
            account_id=env.get("CREDO_ACCOUNT_ID") or None,
            root_access_key_id=env.get("CREDO_ROOT_ACCESS_KEY_ID") or None,
            root_secret_access_key=env.get("CREDO_ROOT_SECRET_ACCESS_KEY") or None,
            trusted_proxy_depth=int(_number(env, "CREDO_TRUSTED_PROXY_DEPTH", 0, int)),
            log_level=env.get("CREDO_LOG_LEVEL", cls.log_level),
            request_timeout=_number(env, "CREDO_REQUEST_TIMEOUT", cls.request_timeout, float),
            keep_alive_timeout=_number(env, "CREDO_KEEP_ALIVE_TIMEOUT", cls.keep_alive_timeout, float),
            max_connections=int(_number(env, "CREDO_MAX_CONNECTIONS", cls.max_connections, int)),
            oidc_loopback_http=env.get("CREDO_OIDC_LOOPBACK_HTTP", "").lower() in {"1", "true", "yes"},
            log_format=_choice(env, "CREDO_LOG_FORMAT", cls.log_format, LOG_FORMATS),
            metrics=_choice(env, "CREDO_METRICS", cls.metrics, METRICS_ACCESS),
            certfile=Path(env["CREDO_CERTFILE"]) if env.get("CREDO_CERTFILE") else None,
            keyfile=Path(env["CREDO_KEYFILE"]) if env.get("CREDO_KEYFILE") else None,
            shutdown_timeout=_number(env, "CREDO_SHUTDOWN_TIMEOUT", cls.shutdown_timeout, float),
            audit_retention_days=_number(env, "CREDO_AUDIT_RETENTION_DAYS", cls.audit_retention_days, float),
            audit_backlog=max(1, int(_number(env, "CREDO_AUDIT_BACKLOG", cls.audit_backlog, int))),
            gateway_secret=env.get("CREDO_GATEWAY_SECRET") or None,
            workers=int(_number(env, "CREDO_WORKERS", 0, int)) or None,
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; ``None`` values leave a field unchanged."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @property
    def effective_workers(self) -> int:
        """How many server processes ``credo serve`` runs (see ``workers``)."""
        if self.workers is not None:
            return self.workers
        return 1 if self.dev else max(1, os.cpu_count() or 1)

    @property
    def allows_loopback_http_issuers(self) -> bool:
        return self.dev or self.oidc_loopback_http

    @property
    def effective_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else default_data_dir()

    @property
    def effective_database_url(self) -> str:
        """The store's URL: the flag or variable, else SQLite inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.effective_data_dir / 'credo.sqlite3'}"

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.certfile else 'http'}://{host}:{self.port}"
