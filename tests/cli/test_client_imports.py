"""Client commands load no server code: ``credo configure …`` stays fast as a ``credential_process``.

Each case runs the real ``credo`` script under a small wrapper that writes ``sys.modules`` to
a file when the process exits, so every import counts, however late and however made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from tests.cli.conftest import CREDO, AwsFiles
from tests.cli.keychain_support import key_only_csv, keychain_env, new_user_key
from tests.conftest import Server

from credo.cli.configure import OTHER_COMMANDS, configure
from credo.cli.lazy_group import LazyCommand
from credo.cli.main import COMMANDS, main

# Server dependencies, and our own server-side packages.
SERVER_MODULES = (
    "sqlalchemy",
    "starlette",
    "uvicorn",
    "alembic",
    "psycopg",
    "argon2",
    "anyio",
    "uvloop",
    "httptools",
    "credo.server",
    "credo.store",
    "credo.iam",
    "credo.sts",
    "credo.auth",
    "credo.policy",
    "credo.protocol",
)

CONFIG = """[default]
region = us-east-1
output = json

[profile dev]
region = eu-west-1
endpoint_url = http://127.0.0.1:9

[profile proc]
credential_process = cat {home}/proc.json

[profile kc]
credential_process = credo credential-process kc
endpoint_url = http://127.0.0.1:9
"""
CREDENTIALS = """[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[dev]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
"""
PROCESS_OUTPUT = '{"Version": 1, "AccessKeyId": "AKIAPROCESSEXAMPLE01", "SecretAccessKey": "process-secret"}'
CSV = "User Name,Access key ID,Secret access key\nalice,AKIAALICEEXAMPLE0001,alice-secret\n"
KEY_CSV = "Access key ID,Secret access key\r\nAKIAKEYCHAINEXAMPL01,keychain-secret\r\n"

CASES = [
    # (arguments, standard input, exit status)
    pytest.param(["configure", "list"], None, 0, id="list"),
    pytest.param(["configure", "list", "--profile", "proc"], None, 0, id="list-botocore-chain"),
    pytest.param(["configure", "list", "--profile", "nosuch"], None, 255, id="list-missing-profile"),
    pytest.param(["configure", "list-profiles"], None, 0, id="list-profiles"),
    pytest.param(["configure", "get", "region"], None, 0, id="get"),
    pytest.param(["configure", "get", "nosuchkey"], None, 1, id="get-unset"),
    pytest.param(["configure", "set", "region", "us-west-2"], None, 0, id="set"),
    pytest.param(["configure", "set", "aws_access_key_id", "AKIANEWEXAMPLE000001"], None, 0, id="set-key"),
    pytest.param(["configure", "export-credentials"], None, 0, id="export-credentials"),
    pytest.param(
        ["configure", "export-credentials", "--profile", "proc", "--format", "env"],
        None,
        0,
        id="export-credentials-botocore-chain",
    ),
    pytest.param(["configure", "import", "--csv", "file://{home}/keys.csv"], None, 0, id="import"),
    pytest.param(
        [
            *("configure", "mfa-login", "--profile", "dev", "--update-profile", "dev-mfa"),
            *("--serial-number", "arn:aws:iam::123456789012:mfa/x", "--token-code", "123456"),
        ],
        None,
        255,
        id="mfa-login-unreachable",
    ),
    pytest.param(["configure"], "\n\n\n\n", 0, id="wizard"),
    pytest.param(["add", "new", "--from-csv", "{home}/key.csv"], None, 0, id="add"),
    pytest.param(["list"], None, 0, id="list-profiles-and-sessions"),
    pytest.param(["credential-process", "kc"], None, 255, id="credential-process-no-key"),
    pytest.param(["migrate"], None, 0, id="migrate"),
    pytest.param(["remove", "kc", "--yes"], None, 0, id="remove"),
    # Static keys (read as botocore would, without it), refused by --server only after they were resolved.
    pytest.param(["exec", "dev", "--server", "--", "true"], None, 255, id="exec"),
    # The console login: resolving the keychain profile fails (no key), after botocore found the endpoint.
    pytest.param(["login", "kc", "--stdout"], None, 255, id="login-console"),
    pytest.param(["login", "--help"], None, 0, id="login-help"),
    pytest.param(["rotate", "kc"], None, 255, id="rotate-no-key"),
    # Findings with errors (an endpoint that does not answer): exit status 1.
    pytest.param(["doctor"], None, 1, id="doctor"),
    pytest.param(["configure", "--help"], None, 0, id="configure-help"),
    pytest.param(["--help"], None, 0, id="help"),
    pytest.param(["--version"], None, 0, id="version"),
]


# Runs the console script as its own process would, and lists sys.modules at exit.
WRAPPER = """
import atexit, runpy, sys
listing, script = sys.argv[1], sys.argv[2]
atexit.register(lambda: open(listing, "w").write("\\n".join(sorted(sys.modules))))
sys.argv = [script, *sys.argv[3:]]
runpy.run_path(script, run_name="__main__")
"""


def server_modules_in(modules: set[str]) -> list[str]:
    return sorted(
        name for name in modules if any(name == top or name.startswith(top + ".") for top in SERVER_MODULES)
    )


@pytest.fixture
def profiled_credo(aws_files: AwsFiles) -> Callable[..., tuple[int, set[str], str]]:
    """Run ``credo ARGS`` under the wrapper; returns (status, modules at exit, stdout + stderr)."""
    home = aws_files.home
    aws_files.write(CONFIG.format(home=home), CREDENTIALS)
    (home / "proc.json").write_text(PROCESS_OUTPUT)
    (home / "keys.csv").write_text(CSV)
    (home / "key.csv").write_text(KEY_CSV)

    listing = home.parent / "modules.txt"

    def run(args: list[str], stdin: str | None = None) -> tuple[int, set[str], str]:
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(listing), CREDO, *(arg.format(home=home) for arg in args)],
            input=stdin,
            capture_output=True,
            text=True,
            env={**aws_files.env, **keychain_env(aws_files), "AWS_MAX_ATTEMPTS": "1"},
            timeout=60,
        )
        return done.returncode, set(listing.read_text().split()), done.stdout + done.stderr

    return run


@pytest.mark.parametrize(("args", "stdin", "status"), CASES)
def test_client_command_imports_no_server_code(
    profiled_credo: Callable[..., tuple[int, set[str], str]], args: list[str], stdin: str | None, status: int
) -> None:
    """A client command, start to exit, imports none of the server's dependencies or packages."""
    returncode, modules, output = profiled_credo(args, stdin)
    assert returncode == status, output[-2000:]
    assert "click" in modules
    assert server_modules_in(modules) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["account", "--help"], "sqlalchemy"),
        (["db", "--help"], "credo.cli.db_commands"),
        (["configure", "import", "--help"], "credo.cli.configure_import"),
    ],
)
def test_command_module_is_imported_when_the_command_runs(
    profiled_credo: Callable[..., tuple[int, set[str], str]], args: list[str], expected: str
) -> None:
    """A command's module is imported when that command runs (and the probe above sees server imports)."""
    returncode, modules, output = profiled_credo(args)
    assert returncode == 0, output[-2000:]
    assert expected in modules


@pytest.mark.parametrize(
    ("args", "not_imported"),
    [
        (["--help"], [entry.target.partition(":")[0] for entry in COMMANDS.values()]),
        (["configure", "--help"], [entry.target.partition(":")[0] for entry in OTHER_COMMANDS.values()]),
        (["configure", "list"], [entry.target.partition(":")[0] for entry in OTHER_COMMANDS.values()]),
    ],
)
def test_listing_commands_imports_none(
    profiled_credo: Callable[..., tuple[int, set[str], str]], args: list[str], not_imported: list[str]
) -> None:
    """``--help`` lists lazily loaded commands from their table, without importing their modules."""
    returncode, modules, output = profiled_credo(args)
    assert returncode == 0, output[-2000:]
    assert sorted(modules.intersection(not_imported)) == []


LAZY_ENTRIES = [
    pytest.param(table, name, id=f"{group}-{name}")
    for group, table in (("credo", COMMANDS), ("configure", OTHER_COMMANDS))
    for name in table
]


@pytest.mark.parametrize(("table", "name"), LAZY_ENTRIES)
def test_lazy_summary_is_the_commands_own(table: dict[str, LazyCommand], name: str) -> None:
    """Each lazy table entry names a click command and repeats the first paragraph of its help."""
    command = table[name].load()
    assert command.name == name
    assert table[name].summary == command.get_short_help_str(limit=10_000)


def _commands_section(help_text: str) -> str:
    return help_text[help_text.index("Commands:") :].rstrip()


@pytest.mark.parametrize(
    ("group", "args"),
    [pytest.param(main, [], id="credo"), pytest.param(configure, ["configure"], id="configure")],
)
def test_help_lists_commands_as_an_eager_group_would(
    group: click.Group, args: list[str], tmp_path: Path
) -> None:
    """``credo --help`` and ``credo configure --help`` list the commands as if every one were imported."""
    env = {**os.environ, "COLUMNS": "80", "HOME": str(tmp_path)}
    done = subprocess.run([CREDO, *args, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    context = click.Context(group)
    eager = click.Group("eager")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        eager.add_command(command, name)
    # COLUMNS=80 gives click's help 78 columns.
    expected = eager.get_help(click.Context(eager, terminal_width=78))
    assert _commands_section(done.stdout) == _commands_section(expected)


def test_exec_from_a_cached_session_or_plain_keys_imports_no_botocore(
    server: Server, iam: Any, aws_files: AwsFiles, tmp_path: Path
) -> None:
    """`credo exec` answered from the keychain's cached session, or of plain keys, never imports botocore."""
    kc = keychain_env(aws_files)
    key = new_user_key(iam, "alice")
    csv_path = tmp_path / "accessKeys.csv"
    csv_path.write_bytes(key_only_csv(key))
    env = {**aws_files.env, **kc}
    added = subprocess.run(
        [CREDO, "add", "dev", "--from-csv", str(csv_path), "--endpoint-url", server.endpoint],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    cached = subprocess.run(
        [CREDO, "credential-process", "dev"], env=env, capture_output=True, timeout=60, check=False
    )
    assert cached.returncode == 0
    with aws_files.credentials.open("a") as handle:
        handle.write(
            f"[plain]\naws_access_key_id = {key.access_key_id}\naws_secret_access_key = {key.secret_access_key}\n"
        )
    listing = tmp_path / "modules.txt"
    # --server keeps credo running until the command ends, so the listing is written at its exit.
    for profile in ("dev", "plain"):
        argv = [sys.executable, "-c", WRAPPER, str(listing), CREDO, "exec", profile, "--server", "--", "true"]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
        modules = set(listing.read_text().split())
        assert "credo.cli.exec_command" in modules, done.stderr
        assert sorted(name for name in modules if name.split(".")[0] == "botocore") == [], profile
