"""``credo configure mfa-login``: trade long-term keys and an MFA code for a session profile.

Calls STS ``GetSessionToken`` through botocore with the profile's long-term keys, so the
endpoint comes from the profile's ``endpoint_url``, its ``[services …]`` section or
``AWS_ENDPOINT_URL*`` exactly as botocore resolves it, then writes the temporary
credentials to a profile. botocore is imported only when the command runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from credo.cli.failures import aws_error_text, exit_with, guarded
from credo.client.config_files import Value
from credo.client.shared_config import SharedConfig, config_section_for, effective_profile

# Settings a new session profile copies so it talks to the same server as its source.
INHERITED_SETTINGS = ("region", "output", "endpoint_url", "services")


def device_name(serial: str) -> str:
    """``arn:aws:iam::123456789012:mfa/alice-phone`` → ``alice-phone``."""
    return serial.rstrip("/").rsplit("/", 1)[-1]


def _text(value: Value | None) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def get_session_token(
    profile: str | None, access_key: str, secret_key: str, region: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Call STS GetSessionToken at the endpoint botocore resolves for ``profile``."""
    from credo.client.sts_calls import CallerKeys, get_session_token_raw

    return get_session_token_raw(profile, CallerKeys(access_key, secret_key), region, params)


def _call_sts(
    profile: str | None, access_key: str, secret_key: str, region: str, params: dict[str, Any]
) -> dict[str, Any]:
    import botocore.exceptions

    try:
        return get_session_token(profile, access_key, secret_key, region, params)
    except botocore.exceptions.ClientError as error:
        exit_with(aws_error_text(error.response, "GetSessionToken"))
    except (botocore.exceptions.BotoCoreError, ValueError) as error:
        exit_with(str(error))


def write_session(shared: SharedConfig, source: str, target: str, credentials: dict[str, Any]) -> None:
    """Store the temporary keys in ``target``; a new target inherits the source's endpoint."""
    shared.set_credential(target, "aws_access_key_id", str(credentials["AccessKeyId"]))
    shared.set_credential(target, "aws_secret_access_key", str(credentials["SecretAccessKey"]))
    shared.set_credential(target, "aws_session_token", str(credentials["SessionToken"]))
    if target == source or target in shared.config_profiles():
        return
    source_config = shared.config_profiles().get(source, {})
    for name in INHERITED_SETTINGS:
        value = source_config.get(name)
        if value is not None:
            shared.set_config(config_section_for(target), name, value)


def format_expiration(expiration: object) -> str:
    if isinstance(expiration, datetime):
        moment = expiration if expiration.tzinfo else expiration.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(expiration)


@click.command("mfa-login")
@click.option("--profile", default=None, metavar="NAME", help="Profile with the long-term keys.")
@click.option("--serial-number", default=None, metavar="ARN", help="MFA device serial number or ARN.")
@click.option("--token-code", default=None, metavar="CODE", help="The code the MFA device shows.")
@click.option("--update-profile", default=None, metavar="NAME", help="Profile to write the session to.")
@click.option("--duration-seconds", type=click.IntRange(900, 129600), default=None, help="Session lifetime.")
@click.pass_context
@guarded
def mfa_login_command(
    ctx: click.Context,
    profile: str | None,
    serial_number: str | None,
    token_code: str | None,
    update_profile: str | None,
    duration_seconds: int | None,
) -> None:
    """Get MFA-authenticated temporary credentials and write them to a profile."""
    from credo.cli.configure import chosen_profile, load_and_warn

    source = effective_profile(chosen_profile(ctx, profile))
    shared = load_and_warn()
    values = shared.profile(source)
    settings = values or {}
    access_key = _text(settings.get("aws_access_key_id"))
    secret_key = _text(settings.get("aws_secret_access_key"))
    if access_key is None or secret_key is None:
        access_key = click.prompt("AWS Access Key ID", prompt_suffix=": ").strip()
        secret_key = click.prompt("AWS Secret Access Key", prompt_suffix=": ").strip()
    serial = serial_number or _text(settings.get("mfa_serial"))
    if not serial:
        serial = click.prompt("MFA serial number or ARN", prompt_suffix=": ").strip()
    code = token_code or click.prompt("MFA token code", prompt_suffix=": ").strip()
    params: dict[str, Any] = {"SerialNumber": serial, "TokenCode": code}
    if duration_seconds is not None:
        params["DurationSeconds"] = duration_seconds
    region = _text(settings.get("region")) or "us-east-1"
    # botocore refuses a profile it cannot find; without one it still reads the environment.
    credentials = _call_sts(source if values is not None else None, access_key, secret_key, region, params)
    target = update_profile
    if not target:
        suggested = f"session-{device_name(serial)}"
        answer: str = click.prompt(
            f"Profile to update [{suggested}]", default="", show_default=False, prompt_suffix=": "
        )
        target = answer.strip() or suggested
    write_session(shared, source, target, credentials)
    shared.save()
    click.echo(f"Temporary credentials written to profile '{target}'")
    click.echo(f"Credentials will expire at {format_expiration(credentials.get('Expiration'))}")
    click.echo(f"To use these credentials, specify --profile {target} when running AWS CLI commands")
