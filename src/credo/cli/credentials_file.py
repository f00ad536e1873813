"""Root credentials for a person: printed once, or written to a new owner-only file.

A secret printed to stdout stays wherever stdout is kept (the systemd journal, CI logs), so
``--credentials-file`` writes it to a file instead and stdout only says where. The file is
made 0600 and appears whole or not at all; an existing file is never replaced, since it may
hold the only copy of another key.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from urllib.parse import quote

import click

CREDENTIALS_FILE_HELP = (
    "Write the new root credentials (and a ready profile) to this new file, mode 0600, instead "
    "of printing them; stdout then only names the file. An existing file is never overwritten. "
    "Also CREDO_CREDENTIALS_FILE."
)

credentials_file_option = click.option(
    "--credentials-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CREDO_CREDENTIALS_FILE",
    help=CREDENTIALS_FILE_HELP,
)


class CredentialsFileError(Exception):
    """The credentials file exists already, or cannot be written; nothing was written."""


def root_credentials_text(endpoint: str, account_id: str, key_id: str, secret: str, *, once: bool) -> str:
    """The root key as environment variables and as a ``credo`` profile, ready to paste."""
    keep = "shown once; store them now" if once else "store them, then delete this file"
    return f"""
Root credentials for account {account_id} ({keep}):
  AWS_ACCESS_KEY_ID={key_id}
  AWS_SECRET_ACCESS_KEY={secret}

Paste into ~/.aws/credentials:
  [credo]
  aws_access_key_id = {key_id}
  aws_secret_access_key = {secret}
and into ~/.aws/config:
  [profile credo]
  region = us-east-1
  endpoint_url = {endpoint}
then: aws --profile credo sts get-caller-identity

{console_signin_text(endpoint, account_id)}"""


def console_signin_urls(endpoint: str, account: str) -> tuple[str, str]:
    """The console's sign-in URLs: IAM users' for ``account`` (its alias or id), then the root user's."""
    return f"{endpoint}/signin?account={quote(account, safe='')}", f"{endpoint}/signin/root"


def console_signin_text(endpoint: str, account: str) -> str:
    """The two sign-in URLs as every command that makes or starts an account prints them."""
    users, root = console_signin_urls(endpoint, account)
    return f"Console sign-in URL for IAM users: {users}\nRoot user (email and password): {root}\n"


def write_new_secret_file(path: Path, text: str) -> Path:
    """Write ``text`` to the new file ``path`` (mode 0600); its absolute path.

    Written to a temporary file in the same directory (``mkstemp`` makes it 0600 whatever the
    umask), flushed to disk, then hard-linked into place: unlike a rename, a link fails if the
    name is taken, so a file that appeared meanwhile is not replaced either. Where hard links
    are not supported, a rename after a check for the name does it.
    """
    target = path.expanduser().absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists")
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            _link_without_replacing(temporary, target)
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)
        _fsync_directory(target.parent)
    except FileExistsError:
        raise CredentialsFileError(
            f"the credentials file {target} exists: refusing to overwrite it (move it away, or name a new file)"
        ) from None
    except OSError as error:
        raise CredentialsFileError(
            f"cannot write the credentials file {target}: {error.strerror or error}"
        ) from None
    return target


def _link_without_replacing(temporary: str, target: Path) -> None:
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}:
            raise
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists") from None
        os.rename(temporary, target)


def _fsync_directory(directory: Path) -> None:
    """Make the new name itself durable, not only the file's bytes."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
