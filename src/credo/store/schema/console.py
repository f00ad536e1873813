"""The web console: sessions, sign-in tokens, secrets waiting to be shown once, sign-in attempts."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from credo.store.schema.base import metadata

# --- the web console ---

# Signed-in (or half-signed-in: waiting for an MFA code or a new password) console sessions.
# ``id`` is the SHA-256 of the random id in the cookie, so a copy of the table opens no session;
# ``credential_stamp`` fingerprints the password hash signed in with: a changed password ends it.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    # "mfa" (a code is due), "password" (a new password is due) or "active".
    Column("stage", String(16), nullable=False),
    Column("credential_stamp", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("mfa_authenticated_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    # "signin" (a password sign-in: root or ``user_id``) or "federation" (the federation
    # endpoint: the session acts as the temporary credentials in ``base_sealed``, never as root).
    Column("origin", String(16), nullable=False, server_default="signin"),
    # When the session ends at the latest (NULL: 12 hours after ``created_at``).
    Column("expires_at", DateTime(timezone=True), nullable=True),
    # Session tokens sealed with the keyring (bound to the row id): a federation session's own
    # credentials, and the role session it switched to (switch role), if any.
    Column("base_key_id", String(16), nullable=True),
    Column("base_sealed", LargeBinary, nullable=True),
    Column("role_key_id", String(16), nullable=True),
    Column("role_sealed", LargeBinary, nullable=True),
    Column("role_display_name", String(64), nullable=True),
    Column("role_color", String(16), nullable=True),
)
Index("ix_console_sessions_user", console_sessions.c.user_id)

# Sign-in tokens of the federation endpoint: single use, 15 minutes. ``id`` is the SHA-256 of
# the token; the temporary credentials' session token is sealed (bound to ``id``).
console_signin_tokens = Table(
    "console_signin_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("token_key_id", String(16), nullable=False),
    Column("token_sealed", LargeBinary, nullable=False),
    # When the console session this token starts must end.
    Column("session_expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_console_signin_tokens_expiry", console_signin_tokens.c.expires_at)

# Secrets the console shows once (a new access key's secret, a new password, an MFA setup),
# waiting for the one page that shows them, whichever process serves it. ``id`` is the SHA-256
# of the session's row key and the purpose; the value (JSON) is sealed with the keyring, bound
# to ``id``. Rows go with their console session (sign-out, expiry, revocation).
console_shown_once = Table(
    "console_shown_once",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("session_key", String(64), ForeignKey("console_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("value_key_id", String(16), nullable=False),
    Column("value_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_console_shown_once_session", console_shown_once.c.session_key)
Index("ix_console_shown_once_created", console_shown_once.c.created_at)

# Every console sign-in attempt (who, from where, outcome), for throttling and the audit trail.
# ``account`` and ``user_name`` are as typed, lower-cased: attempts on unknown names count too.
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("account", String(256), nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("account_id", String(12), nullable=True),
    Column("source_ip", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
)
Index("ix_sign_in_attempts_who", sign_in_attempts.c.account, sign_in_attempts.c.user_name)
Index("ix_sign_in_attempts_source", sign_in_attempts.c.source_ip, sign_in_attempts.c.attempted_at)
