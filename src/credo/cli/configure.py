"""``credo configure``: the aws CLI v2 ``configure`` family on the same shared files.

The group run alone is the wizard; ``list``, ``get``, ``set`` and ``list-profiles`` read
and edit the files here, ``import``, ``mfa-login`` and ``export-credentials`` live in their
own modules, imported only when they run. Nothing here imports botocore unless a command
needs the credential chain, and nothing imports the server's packages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from credo.cli.failures import exit_with, guarded
from credo.cli.lazy_group import LazyCommand, LazyGroup
from credo.client.config_files import Value, exposure_warning
from credo.client.shared_config import (
    CREDENTIAL_KEYS,
    SharedConfig,
    config_section_for,
    effective_profile,
    load_shared_config,
    mask,
    profile_from_environment,
)

F = TypeVar("F", bound=Callable[..., Any])

NOT_SET = "<not set>"
PREDEFINED_SECTIONS = ("plugins",)


def profile_option(command: F) -> F:
    """``--profile NAME`` on the group and on each subcommand (the subcommand's wins)."""
    return click.option("--profile", "profile", default=None, metavar="NAME", help="Profile to use.")(command)


def chosen_profile(ctx: click.Context, profile: str | None) -> str | None:
    """The subcommand's ``--profile``, else the group's."""
    if profile:
        return profile
    parent = ctx.parent.params.get("profile") if ctx.parent is not None else None
    return parent if isinstance(parent, str) else None


def load_and_warn() -> SharedConfig:
    """Load both files, warning on stderr when the credentials file is exposed."""
    shared = load_shared_config()
    warning = exposure_warning(shared.credentials.path)
    if warning:
        click.echo(warning, err=True)
    return shared


def profile_not_found(profile: str) -> str:
    return f"The config profile ({profile}) could not be found"


# Commands in their own modules, imported when they run; a test keeps the summaries equal to
# each command's own help.
OTHER_COMMANDS = {
    "export-credentials": LazyCommand(
        "credo.cli.configure_export:export_credentials_command",
        "Print the credentials botocore resolves for a profile, for a shell or credential_process.",
    ),
    "import": LazyCommand(
        "credo.cli.configure_import:import_command",
        "Import access keys from an IAM CSV into the credentials file.",
    ),
    "sso": LazyCommand(
        "credo.cli.configure_sso:configure_sso_command",
        "Configure a profile that signs in through the SSO portal (as `aws configure sso`).",
    ),
    "mfa-login": LazyCommand(
        "credo.cli.configure_mfa:mfa_login_command",
        "Get MFA-authenticated temporary credentials and write them to a profile.",
    ),
}


@click.group(cls=LazyGroup, lazy_commands=OTHER_COMMANDS, invoke_without_command=True)
@profile_option
@click.option(
    "--create-user",
    default=None,
    metavar="NAME",
    help="Open the console's Create user page for NAME (AdministratorAccess, an access key), then store its key.",
)
@click.option("--endpoint-url", default=None, metavar="URL", help="With --create-user: the credo server.")
@click.option("--no-browser", is_flag=True, help="With --create-user: only print the link.")
@click.option(
    "--csv", "csv_file", default=None, metavar="FILE", help="With --create-user: the downloaded key CSV."
)
@click.pass_context
def configure(
    ctx: click.Context,
    profile: str | None,
    create_user: str | None,
    endpoint_url: str | None,
    no_browser: bool,
    csv_file: str | None,
) -> None:
    """Configure credentials and settings (run alone: the interactive wizard)."""
    if create_user is not None and ctx.invoked_subcommand is None:
        from credo.cli.configure_create_user import run_create_user

        run_create_user(create_user, effective_profile(profile), endpoint_url, no_browser, csv_file)
    elif create_user is not None or endpoint_url is not None or no_browser or csv_file is not None:
        raise click.UsageError("--create-user runs alone; --endpoint-url, --no-browser and --csv go with it")
    elif ctx.invoked_subcommand is None:
        run_wizard(effective_profile(profile))


# --- the wizard --------------------------------------------------------------------------------


def _ask(label: str, shown: str) -> str | None:
    answer: str = click.prompt(f"{label} [{shown}]", default="", show_default=False, prompt_suffix=": ")
    return answer.strip() or None


def _text(value: Value | None) -> str | None:
    return value if isinstance(value, str) else None


@guarded
def run_wizard(profile: str) -> None:
    """Prompt for keys, region and output; write only what changed."""
    shared = load_and_warn()
    current = shared.profile(profile) or {}
    changes: dict[str, str] = {}
    key = _text(current.get("aws_access_key_id"))
    new_key = _ask("AWS Access Key ID", mask(key))
    if new_key is not None and new_key != key:
        changes["aws_access_key_id"] = new_key
    secret = _text(current.get("aws_secret_access_key"))
    new_secret = _ask("AWS Secret Access Key", mask(secret))
    if new_secret is not None and new_secret != secret:
        changes["aws_secret_access_key"] = new_secret
    token = _text(current.get("aws_session_token"))
    if (new_key or key or "").startswith("ASIA") or token is not None:
        new_token = _ask("AWS Session Token", mask(token))
        if new_token is not None and new_token != token:
            changes["aws_session_token"] = new_token
    for name, label in (("region", "Default region name"), ("output", "Default output format")):
        value = _text(current.get(name))
        answer = _ask(label, value if value is not None else "None")
        if answer is not None and answer != value:
            changes[name] = answer
    for name, value in changes.items():
        shared.set_profile_value(profile, name, value)
    shared.save()


# --- list, list-profiles -----------------------------------------------------------------------


def _row(name: str, value: str, kind: str | None, location: str | None) -> str:
    return f"{name:>10} {value:>24} {kind!s:>16}    {location!s}"


def _credential_rows(shared: SharedConfig, profile: str) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    env_key, env_secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if env_key and env_secret:
        return (mask(env_key), "env", ""), (mask(env_secret), "env", "")
    for kind, values in (
        ("shared-credentials-file", shared.credential_profiles().get(profile, {})),
        ("config-file", shared.config_profiles().get(profile, {})),
    ):
        key, secret = _text(values.get("aws_access_key_id")), _text(values.get("aws_secret_access_key"))
        if key and secret:
            return (mask(key), kind, ""), (mask(secret), kind, "")
    # Role, process and SSO profiles: only botocore's chain knows; import it only now.
    import botocore.exceptions
    import botocore.session

    # botocore refuses a missing profile, even "default"; without one it still reads the env.
    known = profile if shared.profile(profile) is not None else None
    try:
        credentials = botocore.session.Session(profile=known).get_credentials()
    except botocore.exceptions.BotoCoreError:
        credentials = None
    if credentials is None:
        return (NOT_SET, "None", "None"), (NOT_SET, "None", "None")
    method = str(credentials.method)
    return (mask(credentials.access_key), method, ""), (mask(credentials.secret_key), method, "")


@configure.command("list")
@profile_option
@click.pass_context
@guarded
def list_command(ctx: click.Context, profile: str | None) -> None:
    """Show the profile, keys and region in use and where each comes from."""
    shared = load_and_warn()
    option = chosen_profile(ctx, profile)
    click.echo(_row("Name", "Value", "Type", "Location"))
    click.echo(_row("----", "-----", "----", "--------"))
    from_env = profile_from_environment()
    if option:
        click.echo(_row("profile", option, "manual", "--profile"))
    elif from_env:
        click.echo(_row("profile", from_env[0], "env", from_env[1]))
    else:
        click.echo(_row("profile", NOT_SET, None, None))
    name = effective_profile(option)
    if name != "default" and shared.profile(name) is None:
        exit_with(profile_not_found(name))
    access, secret = _credential_rows(shared, name)
    click.echo(_row("access_key", *access))
    click.echo(_row("secret_key", *secret))
    region_env = os.environ.get("AWS_DEFAULT_REGION")
    region = _text(shared.config_profiles().get(name, {}).get("region"))
    if region_env:
        click.echo(_row("region", region_env, "env", "AWS_DEFAULT_REGION"))
    elif region:
        click.echo(_row("region", region, "config-file", shared.config.path))
    else:
        click.echo(_row("region", NOT_SET, None, None))


@configure.command("list-profiles")
@guarded
def list_profiles_command() -> None:
    """Print every profile name in the config and credentials files, one a line."""
    for name in load_and_warn().profile_names():
        click.echo(name)


# --- get, set ----------------------------------------------------------------------------------


def _nested_get(value: Value | None, remaining: list[str]) -> Value | None:
    if not remaining:
        return value
    if len(remaining) == 1 and isinstance(value, dict):
        return value.get(remaining[0])
    return None


def lookup(shared: SharedConfig, varname: str, profile: str, services: str | None) -> Value | None:
    """Resolve a ``configure get`` name the way aws CLI v2 does (plus ``services.NAME.…``)."""
    parts = varname.split(".")
    if services is not None:
        section = shared.services().get(services)
        if section is None:
            exit_with(f"The config sub-section ({services}) could not be found")
        return _nested_get(section.get(parts[0]), parts[1:])
    if len(parts) == 1:
        merged = shared.profile(profile)
        if merged is None and profile != "default":
            exit_with(profile_not_found(profile))
        return (merged or {}).get(varname)
    if len(parts) == 2 and parts[0] in PREDEFINED_SECTIONS:
        section_doc = shared.config.section(parts[0])
        return section_doc.values().get(parts[1]) if section_doc else None
    if parts[0] == "services" and len(parts) >= 3:
        section_values = shared.services().get(parts[1], {})
        return _nested_get(section_values.get(parts[2]), parts[3:])
    if parts[0] == "profile" and len(parts) >= 3:
        owner, name, remaining = parts[1], parts[2], parts[3:]
    elif parts[0] == "default" or parts[0] in shared.profile_names():
        owner, name, remaining = parts[0], parts[1], parts[2:]
    else:
        owner, name, remaining = profile, parts[0], parts[1:]
    return _nested_get((shared.profile(owner) or {}).get(name), remaining)


@configure.command("get")
@click.argument("varname")
@profile_option
@click.option("--services", default=None, metavar="NAME", help="Read from the [services NAME] section.")
@click.pass_context
@guarded
def get_command(ctx: click.Context, varname: str, profile: str | None, services: str | None) -> None:
    """Print one configuration value; exit 1 when it is not set."""
    shared = load_and_warn()
    value = lookup(shared, varname, effective_profile(chosen_profile(ctx, profile)), services)
    if isinstance(value, str):
        click.echo(value)
        return
    if isinstance(value, dict):
        click.echo(f"varname ({varname}) must reference a value, not a section or sub-section.", err=True)
    raise click.exceptions.Exit(1)


def target_of(varname: str, profile: str, services: str | None) -> tuple[str, str, list[str]]:
    """Where ``configure set VARNAME`` writes: (config section, key, nested keys)."""
    parts = varname.split(".")
    if services is not None:
        return f"services {services}", parts[0], parts[1:]
    if len(parts) == 1:
        return config_section_for(profile), varname, []
    if parts[0] == "default":
        return "default", parts[1], parts[2:]
    if parts[0] == "profile" and len(parts) >= 3:
        return config_section_for(parts[1]), parts[2], parts[3:]
    if parts[0] == "services" and len(parts) >= 3:
        return f"services {parts[1]}", parts[2], parts[3:]
    if parts[0] in PREDEFINED_SECTIONS and len(parts) == 2:
        return parts[0], parts[1], []
    return config_section_for(profile), parts[0], parts[1:]


@configure.command("set")
@click.argument("varname")
@click.argument("value")
@profile_option
@click.option("--services", default=None, metavar="NAME", help="Write to the [services NAME] section.")
@click.pass_context
@guarded
def set_command(
    ctx: click.Context, varname: str, value: str, profile: str | None, services: str | None
) -> None:
    """Set one value: keys in the credentials file, everything else in the config file."""
    shared = load_and_warn()
    section, key, nested = target_of(varname, effective_profile(chosen_profile(ctx, profile)), services)
    if len(nested) > 1 or not key or any(not part for part in nested):
        exit_with(f"varname ({varname}) nests deeper than one sub-section")
    if key in CREDENTIAL_KEYS and not nested and not section.startswith("services "):
        owner = section.removeprefix("profile ")
        shared.set_credential(owner, key, value)
    else:
        shared.set_config(section, key, {nested[0]: value} if nested else value)
    shared.save()
