"""The credential files AWS's console downloads, built in memory and handed over as ``data:`` links.

Each is one header and one row, UTF-8 with a BOM and CRLF line ends, as the IAM console writes
them; a ``data:`` link inside the page that shows the secret once keeps it out of every URL the
server sees and every log.
"""

from __future__ import annotations

import base64
import csv
import io


def _one_row_csv(header: tuple[str, ...], row: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    # Quoted only where needed: a user name may hold a comma, a password almost anything.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode()


def password_csv(user_name: str, password: str, signin_url: str) -> bytes:
    """A new console password: ``User name,Password,Console sign-in URL`` and one row."""
    return _one_row_csv(("User name", "Password", "Console sign-in URL"), (user_name, password, signin_url))


def access_key_csv(key_id: str, secret: str) -> bytes:
    """A new access key: ``Access key ID,Secret access key`` and one row (what ``configure import`` reads)."""
    return _one_row_csv(("Access key ID", "Secret access key"), (key_id, secret))


def data_url(body: bytes) -> str:
    """``body`` as a ``data:`` link a page can offer with ``download="…"``."""
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(body).decode()
