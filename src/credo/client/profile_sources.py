"""Where a profile's credentials come from, as botocore's chain decides, and credo's own marker.

A keychain profile is written as ``credential_process = credo credential-process NAME``: the
one line botocore, boto3 and the aws CLI need to get credentials from credo, and the line
credo recognises a keychain profile by. A SAML login profile served the same way (``credo
login saml --credential-process``) has that line beside ``credo_saml_idp_url``. The other kinds
follow botocore's provider order for a profile: assume-role, web identity, SSO,
credentials-file keys, ``credential_process``, config-file keys.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass

from credo.client.config_files import Value

SUBCOMMAND = "credential-process"
# Where `credo login saml --configure` keeps the IdP's sign-in URL (a key botocore ignores).
SAML_IDP_URL = "credo_saml_idp_url"


def _text(value: Value | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def credo_command() -> str:
    """How ``credential_process`` should call credo: ``credo`` when that is on PATH and is us.

    Otherwise the absolute path of the running script, so a credo installed in a virtual
    environment works for botocore processes that do not have that environment on PATH.
    """
    import shutil  # only when a profile is written: exec stays lighter

    running = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    found = shutil.which("credo")
    if found and (not running or os.path.realpath(found) == running):
        return "credo"
    if running and os.path.basename(running).startswith("credo"):
        return shlex.quote(running)
    return "credo"


def credential_process_line(profile: str) -> str:
    return f"{credo_command()} {SUBCOMMAND} {shlex.quote(profile)}"


def keychain_profile_of(credential_process: str) -> str | None:
    """The profile named by a ``credo credential-process NAME`` line; None for any other command."""
    try:
        words = shlex.split(credential_process)
    except ValueError:
        return None
    if len(words) != 3 or words[1] != SUBCOMMAND:
        return None
    if not os.path.basename(words[0]).startswith("credo"):
        return None
    return words[2]


@dataclass(frozen=True)
class Source:
    """A profile's kind of credentials and a detail (the role's source, the file…)."""

    kind: str
    detail: str = ""


def source_of(config: dict[str, Value], credentials: dict[str, Value]) -> Source:
    """The provider botocore would use for a profile with these config and credentials values."""
    merged = {**config, **credentials}
    role_arn = _text(merged.get("role_arn"))
    if role_arn and _text(merged.get("web_identity_token_file")):
        return Source("web-identity", role_arn)
    if role_arn and (_text(merged.get("source_profile")) or _text(merged.get("credential_source"))):
        origin = _text(merged.get("source_profile")) or f"credential_source {merged.get('credential_source')}"
        return Source("role", f"{role_arn} from {origin}")
    if _text(merged.get("sso_session")) or _text(merged.get("sso_start_url")):
        return Source("sso", _text(merged.get("sso_session")) or _text(merged.get("sso_start_url")) or "")
    if _text(credentials.get("aws_access_key_id")) and _text(credentials.get("aws_secret_access_key")):
        temporary = _text(credentials.get("aws_session_token")) is not None
        return Source("file", "credentials file" + (", session" if temporary else ""))
    process = _text(merged.get("credential_process"))
    if process:
        owner = keychain_profile_of(process)
        saml_idp_url = _text(merged.get(SAML_IDP_URL))
        if owner is not None and saml_idp_url:
            return Source("saml", saml_idp_url)
        if owner is not None:
            return Source("keychain", owner)
        return Source("process", process)
    if _text(config.get("aws_access_key_id")) and _text(config.get("aws_secret_access_key")):
        return Source("file", "config file")
    return Source("none")
