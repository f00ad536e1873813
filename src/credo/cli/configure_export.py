"""``credo configure export-credentials``: botocore's resolved credentials, printed for a shell.

Resolution is botocore's own chain (``Session(profile=…).get_credentials()``), so role
profiles, ``credential_process``, SSO and the assume-role cache all work; the output formats
are aws CLI v2's byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import datetime

import click

from credo.cli.failures import exit_with, guarded
from credo.client.shared_config import SharedConfig

# Shared with aws CLI v2 so a credential_process cycle through either tool is caught.
CHAIN_VARIABLE = "_AWS_CLI_PROFILE_CHAIN"
MAX_CHAIN = 4
CONFIGURATION_ERROR_EXIT = 253
ROLE_CACHE_DIR = os.path.join("~", ".aws", "cli", "cache")

LINE_FORMATS = {
    "env": "export {name}={value}",
    "env-no-export": "{name}={value}",
    "powershell": '$Env:{name}="{value}"',
    "windows-cmd": "set {name}={value}",
    "fish": "set -gx {name} {value}",
}
FORMATS = ("process", *LINE_FORMATS)


@dataclass(frozen=True)
class ResolvedCredentials:
    """What export prints: keys, optional token and optional ISO-8601 expiry."""

    access_key: str
    secret_key: str
    token: str | None
    expiration: str | None


def render(credentials: ResolvedCredentials, output_format: str) -> str:
    """The text aws CLI v2 prints for ``--format output_format``."""
    if output_format == "process":
        document: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": credentials.access_key,
            "SecretAccessKey": credentials.secret_key,
        }
        if credentials.token is not None:
            document["SessionToken"] = credentials.token
        if credentials.expiration is not None:
            document["Expiration"] = credentials.expiration
        return json.dumps(document, indent=2, separators=(",", ": ")) + "\n"
    template = LINE_FORMATS[output_format]
    pairs = [("AWS_ACCESS_KEY_ID", credentials.access_key), ("AWS_SECRET_ACCESS_KEY", credentials.secret_key)]
    if credentials.token is not None:
        pairs.append(("AWS_SESSION_TOKEN", credentials.token))
    if credentials.expiration is not None:
        pairs.append(("AWS_CREDENTIAL_EXPIRATION", credentials.expiration))
    return "".join(template.format(name=name, value=value) + "\n" for name, value in pairs)


# Any of these means a provider ahead of the static-key ones might answer: leave it to botocore.
_DYNAMIC_KEYS = ("role_arn", "credential_source", "web_identity_token_file", "credential_process")
_DYNAMIC_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


def static_credentials(shared: SharedConfig, profile: str) -> ResolvedCredentials | None:
    """Plain keys botocore's chain would return unchanged, without importing botocore.

    Only the unambiguous case: no environment or profile setting that puts another provider
    ahead of botocore's shared-credentials-file / config-file ones. tests/cli prove the answer
    equals botocore's for every case taken here; anything else returns None.
    """
    if any(os.environ.get(name) for name in _DYNAMIC_ENV):
        return None
    merged = shared.profile(profile) or {}
    if any(key in merged for key in _DYNAMIC_KEYS) or any(key.startswith("sso_") for key in merged):
        return None
    for values in (shared.credential_profiles().get(profile, {}), shared.config_profiles().get(profile, {})):
        key, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
        if isinstance(key, str) and isinstance(secret, str) and key and secret:
            token = values.get("aws_session_token") or values.get("aws_security_token")
            return ResolvedCredentials(key, secret, token if isinstance(token, str) else None, None)
        if "aws_access_key_id" in values or "aws_secret_access_key" in values:
            return None  # partial keys: botocore's error message, not ours
    return None


def resolve_credentials(profile: str | None) -> ResolvedCredentials | None:
    """Run botocore's credential chain for ``profile`` (None: botocore's own default)."""
    import botocore.credentials
    import botocore.session

    session = botocore.session.Session(profile=profile)
    # aws CLI's on-disk cache, so a role assumed by either tool is reused, not assumed again.
    cache = botocore.credentials.JSONFileCache(os.path.expanduser(ROLE_CACHE_DIR))
    resolver = session.get_component("credential_provider")
    for name in ("assume-role", "assume-role-with-web-identity"):
        provider = resolver.get_provider(name)
        if provider is not None:
            provider.cache = cache
    found = session.get_credentials()
    if found is None:
        return None
    frozen = found.get_frozen_credentials()
    # botocore keeps the expiry of refreshable credentials only in a private attribute.
    expiry = getattr(found, "_expiry_time", None)
    return ResolvedCredentials(
        access_key=frozen.access_key,
        secret_key=frozen.secret_key,
        token=frozen.token,
        expiration=expiry.isoformat() if isinstance(expiry, datetime) else None,
    )


def _enter_chain(profile: str) -> None:
    """Refuse to recurse when a credential_process calls back into this command."""
    raw = os.environ.get(CHAIN_VARIABLE, "")
    seen = [name for name in next(csv.reader([raw]), []) if name] if raw else []
    if len(seen) >= MAX_CHAIN:
        exit_with(
            f"Maximum recursive credential process resolution reached ({MAX_CHAIN}).\n"
            f"Profiles seen: {' -> '.join(seen)}",
            CONFIGURATION_ERROR_EXIT,
        )
    if profile in seen:
        exit_with(
            "Credential process resolution detected an infinite loop, "
            f"profile cycle: {' -> '.join([*seen, profile])}",
            CONFIGURATION_ERROR_EXIT,
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerow([*seen, profile])
    os.environ[CHAIN_VARIABLE] = buffer.getvalue().strip()


@click.command("export-credentials")
@click.option("--profile", default=None, metavar="NAME", help="Profile to resolve.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="process",
    show_default=True,
    help="Output format.",
)
@click.pass_context
@guarded
def export_credentials_command(ctx: click.Context, profile: str | None, output_format: str) -> None:
    """Print the credentials botocore resolves for a profile, for a shell or credential_process."""
    from credo.cli.configure import chosen_profile
    from credo.client.shared_config import effective_profile, load_shared_config

    # Our parser first: a malformed file is reported with its line number.
    shared = load_shared_config()
    option = chosen_profile(ctx, profile)
    _enter_chain(effective_profile(option))
    fast = static_credentials(shared, effective_profile(option))
    if fast is not None:
        click.echo(render(fast, output_format), nl=False)
        return
    import botocore.exceptions

    try:
        credentials = resolve_credentials(option)
    except botocore.exceptions.BotoCoreError as error:
        exit_with(f"Unable to retrieve credentials: {str(error).strip()}", CONFIGURATION_ERROR_EXIT)
    if credentials is None:
        exit_with("Unable to retrieve credentials: no credentials found", CONFIGURATION_ERROR_EXIT)
    click.echo(render(credentials, output_format), nl=False)
