"""``credo configure --create-user NAME``: the CLI-to-console hand-off of the seeds' mobile flow.

The CLI cannot create a user itself (it may hold no credentials yet); it opens the console's
Create user wizard for the profile's endpoint, prefilled with NAME, ``AdministratorAccess`` and
**Programmatic access**. Someone signed in confirms there, and the new key comes back either as
the CSV the final page downloads or typed at the prompts. Before anything is written, the key is
checked with GetCallerIdentity to belong to NAME; then it goes into the profile exactly as
``credo configure import`` puts it.
"""

from __future__ import annotations

import webbrowser
from urllib.parse import urlencode, urlsplit

import click

from credo.cli.configure import load_and_warn
from credo.cli.configure_import import (
    CsvImportError,
    ImportedKey,
    parse_credentials_csv,
    read_csv_argument,
    store_keys,
)
from credo.cli.failures import exit_with, guarded
from credo.client.shared_config import config_section_for

DEFAULT_POLICY = "AdministratorAccess"


def create_user_link(endpoint: str, user_name: str) -> str:
    """The console deep link that opens Create user prefilled for ``user_name``."""
    query = urlencode({"userName": user_name, "policy": DEFAULT_POLICY, "programmatic": "true"})
    return f"{endpoint.rstrip('/')}/console/users/create?{query}"


def key_from_csv(path: str, user_name: str, profile: str) -> ImportedKey:
    """The key for ``user_name`` in a downloaded CSV: the console's key-only file, or one with user names."""
    argument = path if path.startswith("file://") else f"file://{path}"
    try:
        # No profile for key-only rows: a row with a user name gets that name instead.
        keys, _ = parse_credentials_csv(read_csv_argument(argument), profile="")
    except CsvImportError as error:
        exit_with(str(error))
    named = [key for key in keys if key.profile]
    if named and not any(key.profile.casefold() == user_name.casefold() for key in named):
        exit_with(
            f"{path} holds no access key for user {user_name}, only for: {', '.join(k.profile for k in named)}"
        )
    key = next(key for key in keys if key.profile.casefold() in ("", user_name.casefold()))
    return ImportedKey(profile, key.access_key_id, key.secret_access_key)


def key_from_prompts(profile: str) -> ImportedKey:
    """The key typed at aws configure's prompts (the secret hidden), checked as a CSV row would be."""
    key_id: str = click.prompt("AWS Access Key ID", prompt_suffix=": ").strip()
    secret: str = click.prompt("AWS Secret Access Key", hide_input=True, prompt_suffix=": ").strip()
    try:
        keys, _ = parse_credentials_csv(
            f"Access key ID,Secret access key\n{key_id},{secret}\n", profile=profile
        )
    except CsvImportError as error:
        exit_with(str(error).removeprefix("CSV row 2: "))
    return keys[0]


def owner_of(endpoint: str, key: ImportedKey) -> str:
    """The ARN the key signs as (GetCallerIdentity at ``endpoint``); imports botocore only now."""
    import botocore.config
    import botocore.exceptions
    import botocore.session

    session = botocore.session.Session()
    config = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=30)
    try:
        client = session.create_client(
            "sts",
            region_name="us-east-1",
            endpoint_url=endpoint,
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            config=config,
        )
        return str(client.get_caller_identity()["Arn"])
    except botocore.exceptions.ClientError as error:
        exit_with(
            f"The access key was refused by {endpoint}: {error.response.get('Error', {}).get('Message', error)}"
        )
    except botocore.exceptions.BotoCoreError as error:
        exit_with(f"Cannot check the access key with {endpoint}: {error}")


def _is_user(arn: str, user_name: str) -> bool:
    resource = arn.split(":", 5)[-1]
    return resource.startswith("user/") and resource.rsplit("/", 1)[-1].casefold() == user_name.casefold()


@guarded
def run_create_user(
    user_name: str, profile: str, endpoint_url: str | None, no_browser: bool, csv_path: str | None
) -> None:
    """Print (and open) the deep link, take the new key, check whose it is, write the profile."""
    shared = load_and_warn()
    current = shared.profile(profile) or {}
    configured = current.get("endpoint_url")
    endpoint = endpoint_url or (configured if isinstance(configured, str) else None)
    if not endpoint:
        exit_with(f"The profile ({profile}) has no endpoint_url: pass --endpoint-url URL of the credo server")
    if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
        exit_with(f"--endpoint-url must be an http:// or https:// URL, not {endpoint!r}")
    link = create_user_link(endpoint, user_name)
    click.echo(f"Create user {user_name} in the console (sign in if asked, then choose Create user):")
    click.echo(link)
    if not no_browser:
        webbrowser.open(link)
    if csv_path is not None:
        key = key_from_csv(csv_path, user_name, profile)
    else:
        click.echo("Then enter the access key shown on the console's last page.")
        key = key_from_prompts(profile)
    arn = owner_of(endpoint, key)
    if not _is_user(arn, user_name):
        exit_with(f"The access key belongs to {arn}, not to user {user_name}; nothing was written")
    store_keys(shared, [key])
    if endpoint_url and configured != endpoint_url:
        shared.set_config(config_section_for(profile), "endpoint_url", endpoint_url)
    shared.save()
    click.echo(f"Profile {profile} now signs as {arn}")
