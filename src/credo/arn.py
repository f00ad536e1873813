"""ARNs: formatting the ones credo issues and parsing the ones clients send."""

from __future__ import annotations

from dataclasses import dataclass

PARTITION = "aws"


@dataclass(frozen=True)
class Arn:
    """``arn:partition:service:region:account:resource``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """The parts of ``text``, or ``None`` when it is not an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::123456789012:user/path/name`` (``path`` starts and ends with ``/``)."""
    return f"arn:{PARTITION}:iam::{account_id}:{kind}{path}{name}"


def root_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def saml_provider_arn(account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:saml-provider/{name}"


def oidc_provider_arn(account_id: str, location: str) -> str:
    """``…:oidc-provider/HOST/PATH``: the provider's URL without its scheme, as AWS names it."""
    return f"arn:{PARTITION}:iam::{account_id}:oidc-provider/{location}"
