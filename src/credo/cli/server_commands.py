"""``credo serve`` and ``credo init``: the server side of the CLI (``credo db`` is ``db_commands``)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from credo.cli.credentials_file import (
    CredentialsFileError,
    credentials_file_option,
    root_credentials_text,
    write_new_secret_file,
)
from credo.settings import (
    INSECURE_FAST_PASSWORD_HASHING,
    Settings,
    SettingsError,
    insecure_fast_password_hashing,
)

if TYPE_CHECKING:
    import socket

    from credo.iam.accounts import RootCredentials

_store_options = [
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where SQLite and master.key live.",
    ),
    click.option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in the data dir).",
    ),
]


def store_options(function: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_store_options):
        function = option(function)
    return function


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_environment().with_overrides(**overrides)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 7300).")
@store_options
@click.option(
    "--dev", is_flag=True, default=None, help="Throwaway store, account 123456789012, keys test/test."
)
@credentials_file_option
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines as text (default) or one JSON object per line (CREDO_LOG_FORMAT).",
)
@click.option(
    "--certfile",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Serve https with this PEM certificate chain (CREDO_CERTFILE); needs --keyfile.",
)
@click.option(
    "--keyfile",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The PEM private key of --certfile (CREDO_KEYFILE).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes sharing the port and the store (CREDO_WORKERS; default one per core, one with --dev).",
)
def serve(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database_url: str | None,
    dev: bool | None,
    credentials_file: Path | None,
    log_format: str | None,
    certfile: Path | None,
    keyfile: Path | None,
    workers: int | None,
) -> None:
    """Run the IAM and STS endpoint.

    On its first start on an empty store, credo creates an account and prints its root access
    key once. Printed, the secret stays in whatever keeps this process's output (the systemd
    journal, CI logs): give --credentials-file PATH (or CREDO_CREDENTIALS_FILE) to have it
    written to a new file, mode 0600, instead; the output then only names the file. Later
    starts create nothing and write nothing. A lost root key is replaced with
    `credo account rotate-root-key`.
    """
    from credo.server.bootstrap import throwaway_data_dir

    requested = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        dev=dev,
        log_format=log_format,
        certfile=certfile,
        keyfile=keyfile,
        workers=workers,
    )
    if not 1 <= requested.effective_workers <= 64:
        raise click.UsageError("CREDO_WORKERS must be between 1 and 64")
    if (requested.certfile is None) != (requested.keyfile is None):
        raise click.UsageError("--certfile and --keyfile (CREDO_CERTFILE, CREDO_KEYFILE) go together")
    with _stop_signals_unwind(), throwaway_data_dir(requested) as settings:
        _run_server(settings, credentials_file)


class _Terminated(BaseException):
    """SIGTERM, raised so that ``finally`` blocks (the dev store's removal) run on the way out."""


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    # Whoever handles SIGTERM now (uvicorn while it serves, else us) stops the process cleanly.
    signal.raise_signal(signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals_unwind() -> Iterator[None]:
    """SIGTERM (and SIGHUP, as SIGTERM) unwind the block, then end the process as SIGTERM does.

    uvicorn stops gracefully on SIGTERM and then raises it again with the handler it found,
    which by default kills the process on the spot: the dev store's removal would never run.
    SIGHUP (a closed terminal) is not uvicorn's to handle, so it is passed on as SIGTERM,
    unless it is ignored (``nohup``). SIGINT needs nothing: Python raises it as
    KeyboardInterrupt, and uvicorn returns.
    """
    handlers: dict[signal.Signals, Callable[[int, FrameType | None], None]] = {
        signal.SIGTERM: _raise_terminated
    }
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        handlers[signal.SIGHUP] = _terminate
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    except _Terminated:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        # Dying of the signal (not exiting with a status) is what a supervisor expects to see.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_server(settings: Settings, credentials_file: Path | None) -> None:
    import logging

    from credo.iam.accounts import BootstrapError
    from credo.server import logs
    from credo.server.app import create_app
    from credo.server.bootstrap import effective_settings, open_services
    from credo.server.connection_limits import raise_open_file_limit
    from credo.server.uvicorn_server import serve_app, uvicorn_options
    from credo.server.workers import WorkerKeeper, listening_socket
    from credo.store.migrate import UnknownSchema

    try:
        logs.configure(settings.log_format, settings.log_level)
    except ValueError as error:
        raise click.ClickException(f"CREDO_LOG_LEVEL: {error}") from None
    settings = effective_settings(settings)
    # Start-up lines: on stdout (warnings on stderr) as text; as log records when the logs are JSON.
    serve_log = logging.getLogger("credo.serve")
    say = click.echo if settings.log_format == "text" else serve_log.info
    warn = _warn if settings.log_format == "text" else serve_log.warning
    try:
        services, created = open_services(
            settings, warn=warn, deliver=_credentials_writer(settings, credentials_file)
        )
    except (BootstrapError, CredentialsFileError, UnknownSchema) as error:
        raise click.ClickException(str(error)) from None
    say(f"credo listening on {settings.endpoint_url} (IAM and STS at /)")
    say(f"store: {_redacted(settings.effective_database_url)}")
    if insecure_fast_password_hashing():
        say(
            f"{INSECURE_FAST_PASSWORD_HASHING} is set: passwords are hashed at a test suite's "
            "cost, not for real users"
        )
    if settings.dev:
        say(
            f"dev mode: account {settings.account_id}, root keys "
            f"{settings.root_access_key_id} / {'*' * len(settings.root_secret_access_key or '')}; "
            "POST /_credo/reset wipes all state"
        )
        say(
            f"console sign-in URL for IAM users: {settings.endpoint_url}/signin?account={settings.account_id}"
        )
    elif created is not None:
        say(_created_account_message(settings, created, credentials_file))
    else:
        say(
            "credentials: the root access key printed (or written to --credentials-file) when this "
            "store was first started; `credo account rotate-root-key` replaces a lost one"
        )
    options = uvicorn_options(settings)
    raise_open_file_limit()
    if settings.effective_workers == 1:
        serve_app(create_app(services), options)
        return
    # Workers open their own store, caches and threads: none may be forked from this process.
    services.store.dispose()
    say(f"workers: {settings.effective_workers} processes")
    stopped_by = WorkerKeeper(
        settings.effective_workers,
        listening_socket(settings.host, settings.port),
        lambda sock: _serve_worker(settings, options, sock),
        settings.shutdown_timeout,
    ).run()
    if stopped_by == signal.SIGTERM:
        signal.raise_signal(signal.SIGTERM)  # end as a single process ends on SIGTERM
    elif stopped_by is None:
        raise click.ClickException("workers keep exiting right after they start; see the log above")


def _serve_worker(settings: Settings, options: dict[str, Any], sock: socket.socket) -> None:
    """One worker of ``--workers N``, started by the keeper (again, when one died).

    It does not migrate: the keeper brought the schema up to date at start, and a worker
    started later (a replacement) finds the store as the operator left it since — upgraded by a
    newer credo, say. It serves all the same, like the workers already running, and its
    ``/readyz`` answers 503 with the reason, which it also logs, until the schema matches.
    """
    import logging
    import os

    from credo.server.app import create_app
    from credo.server.bootstrap import open_services
    from credo.server.health import Readiness
    from credo.server.uvicorn_server import serve_app

    services, _created = open_services(settings, migrate=False)
    problem = Readiness(services.store).problem()
    if problem is not None:
        logging.getLogger("credo.serve").warning(
            "worker %d: %s; /readyz answers 503 until it does", os.getpid(), problem.strip()
        )
    serve_app(create_app(services), options, sock)


def _warn(line: str) -> None:
    click.echo(line, err=True)


def _credentials_writer(
    settings: Settings, credentials_file: Path | None
) -> Callable[[RootCredentials], None] | None:
    """Writes a new account's generated root key to ``credentials_file`` (before it is committed)."""
    if credentials_file is None:
        return None

    def write(created: RootCredentials) -> None:
        if created.generated:
            text = root_credentials_text(
                settings.endpoint_url,
                created.account_id,
                created.access_key_id,
                created.secret_access_key,
                once=False,
            )
            write_new_secret_file(credentials_file, text)

    return write


def _created_account_message(
    settings: Settings, created: RootCredentials, credentials_file: Path | None
) -> str:
    """What the operator is told about a new account's root key: it, or where it is, never both."""
    if not created.generated:
        return f"account {created.account_id} created with the root key from CREDO_ROOT_ACCESS_KEY_ID"
    if credentials_file is not None:
        return (
            f"account {created.account_id} created; its root credentials are in "
            f"{credentials_file.expanduser().absolute()} (mode 0600)"
        )
    return root_credentials_text(
        settings.endpoint_url,
        created.account_id,
        created.access_key_id,
        created.secret_access_key,
        once=True,
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command()
@store_options
@click.option("--account-id", help="12-digit id of the first account (random by default).")
@click.option("--email", help="The root user's email address.")
@click.option("--password", help="The root user's console password (prompted when --prompt-password).")
@click.option("--prompt-password", is_flag=True, help="Ask for the root user's console password.")
@credentials_file_option
def init(
    data_dir: Path | None,
    database_url: str | None,
    account_id: str | None,
    email: str | None,
    password: str | None,
    prompt_password: bool,
    credentials_file: Path | None,
) -> None:
    """Create the store and its first account explicitly, and print the root credentials once.

    With --credentials-file PATH (or CREDO_CREDENTIALS_FILE) they are written to that new
    file, mode 0600, instead of printed; the output only names the file.
    """
    from sqlalchemy import update

    from credo.iam.accounts import BootstrapError
    from credo.passwords import hash_password
    from credo.server.bootstrap import open_services
    from credo.store.schema import accounts

    if prompt_password:
        password = click.prompt("Root console password", hide_input=True, confirmation_prompt=True)
    settings = _settings(data_dir=data_dir, database_url=database_url, account_id=account_id)
    try:
        services, created = open_services(
            settings, warn=_warn, deliver=_credentials_writer(settings, credentials_file)
        )
    except (BootstrapError, CredentialsFileError) as error:
        raise click.ClickException(str(error)) from None
    try:
        if created is None:
            raise click.ClickException("this store already has an account; nothing was changed")
        if email or password:
            with services.store.write() as conn:
                conn.execute(
                    update(accounts)
                    .where(accounts.c.id == created.account_id)
                    .values(email=email, root_password_hash=hash_password(password) if password else None)
                )
        click.echo(_created_account_message(settings, created, credentials_file))
    finally:
        services.store.dispose()
