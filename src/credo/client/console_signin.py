"""Console sign-in from temporary credentials, through the server's federation endpoint.

What aws-vault does against AWS's ``signin.aws.amazon.com/federation``, against a credo
server: ``Action=getSigninToken`` turns the credentials into a single-use sign-in token, and
``Action=login&Destination=…&SigninToken=…`` is the URL that signs a browser in. The token
request is a POST, so the credentials travel in a body rather than in a URL that a proxy
might log; the login URL carries only the token (good once, for 15 minutes).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

# The endpoint's answer to GetSessionToken credentials (AWS's words).
NOT_TEMPORARY_PREFIX = "Only federation tokens or assume role tokens may be used for federated login"
TIMEOUT_SECONDS = 30


class SigninRefused(Exception):
    """The federation endpoint refused the credentials, or could not be reached."""


@dataclass(frozen=True)
class ConsoleSession:
    """The credentials the console will act as."""

    access_key_id: str
    secret_access_key: str
    session_token: str


def federation_url(endpoint: str) -> str:
    """``/federation`` on the server at ``endpoint`` (the STS endpoint botocore resolved)."""
    parts = urllib.parse.urlsplit(endpoint)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/federation", "", ""))


def signin_token(endpoint: str, session: ConsoleSession, session_duration: int | None) -> str:
    """``getSigninToken`` for ``session``: the token, or ``SigninRefused`` with the endpoint's words."""
    form = {
        "Action": "getSigninToken",
        "Session": json.dumps(
            {
                "sessionId": session.access_key_id,
                "sessionKey": session.secret_access_key,
                "sessionToken": session.session_token,
            }
        ),
    }
    if session_duration is not None:
        form["SessionDuration"] = str(session_duration)
    url = federation_url(endpoint)
    request = urllib.request.Request(  # noqa: S310 - the profile's http(s) endpoint
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310 - as above
            body = reply.read(65_536)
    except urllib.error.HTTPError as error:
        text = error.read(4_096).decode("utf-8", "replace").strip()
        if error.code == 404:
            raise SigninRefused(f"{url} answered 404: this server has no federation endpoint") from None
        raise SigninRefused(text or f"{url} answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SigninRefused(f"Cannot reach {url}: {reason}") from None
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        raise SigninRefused(f"{url} did not answer with a SigninToken") from None
    if not isinstance(token, str) or not token:
        raise SigninRefused(f"{url} did not answer with a SigninToken")
    return str(token)


def login_url(endpoint: str, token: str, path: str) -> str:
    """The URL that signs a browser in with ``token`` and lands on the console page ``path``."""
    parts = urllib.parse.urlsplit(endpoint)
    destination = f"{parts.scheme}://{parts.netloc}{path}"
    query_string = urllib.parse.urlencode(
        {"Action": "login", "Destination": destination, "SigninToken": token}
    )
    return f"{federation_url(endpoint)}?{query_string}"
