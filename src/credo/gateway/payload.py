"""The check a service behind nginx makes itself: does the body match its signed hash?

nginx's auth_request subrequest carries no body, so credo verifies the signature over the hash
the client declared in ``X-Amz-Content-Sha256`` (awscurl and requests-aws4auth always send it;
S3 clients too). The service, which does read the body, then checks it against that header, as
S3 does. The middleware and the JSON endpoint hash the body themselves and need no such check.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def body_matches(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether ``body`` is what the client signed: its ``X-Amz-Content-Sha256`` when it sent one
    (``UNSIGNED-PAYLOAD`` means the client chose not to sign the body), else an empty body."""
    declared = next((v for k, v in headers.items() if k.lower() == "x-amz-content-sha256"), None)
    if declared is None:
        return not body
    if declared == UNSIGNED_PAYLOAD:
        return True
    return hmac.compare_digest(declared.encode(), hashlib.sha256(body).hexdigest().encode())
