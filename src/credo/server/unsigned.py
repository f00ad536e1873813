"""The two STS actions clients send unsigned: the SAML assertion or web identity token in the
body is the credential, so botocore adds no ``Authorization`` header even when it has keys.

The Query endpoint routes an unsigned request here only for exactly these actions under STS's
API version; every other unsigned request is still refused with MissingAuthenticationToken.
"""

from __future__ import annotations

from collections.abc import Mapping

from credo.auth.principal import Principal

STS_VERSION = "2011-06-15"
UNSIGNED_STS_ACTIONS = frozenset({"AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"})
# No region is signed into such a request; STS's global endpoint answers in us-east-1.
REGION = "us-east-1"
# The caller of an unsigned call: nobody, until the handler has verified the assertion or token.
ANONYMOUS = Principal(account_id="", kind="anonymous", arn="", user_id="", user_name=None, access_key_id="")


def is_unsigned_federation(params: Mapping[str, str]) -> bool:
    """Whether an unsigned request names one of the two actions, under STS's version."""
    return params.get("Version") == STS_VERSION and params.get("Action") in UNSIGNED_STS_ACTIONS
