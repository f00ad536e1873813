"""AWS managed policies: a read-only catalog, the same in every account, shipped as package data.

The data (``credo/data/aws-managed-policies.json``) holds, per policy, what AWS publishes: ARN,
path, default version id, dates and the default version's document. It is parsed once, on
first use, into small frozen records whose documents are kept as JSON text (not nested
dicts), which keeps the ~1,500 policies to a few megabytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from credo import ids

AWS_ACCOUNT = "aws"
# Policies for service-linked roles: AWS lets only the service attach them.
SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class CatalogPolicy:
    """One AWS managed policy and its default version."""

    name: str
    arn: str
    path: str
    policy_id: str
    default_version_id: str
    created_at: datetime
    updated_at: datetime
    document: str

    @property
    def is_service_role_policy(self) -> bool:
        return self.path.startswith(SERVICE_ROLE_PATH)


@dataclass(frozen=True)
class Catalog:
    by_arn: Mapping[str, CatalogPolicy]
    # Sorted by lower-cased name, the order listings use.
    ordered: Sequence[CatalogPolicy]


def policy_id_for(arn: str) -> str:
    """A stable ``ANPA…`` id derived from the ARN (the published data carries no ids)."""
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return ids.POLICY + digest[:17]


@functools.cache
def catalog() -> Catalog:
    """The catalog, loaded on first use and kept for the life of the process."""
    raw = resources.files("credo").joinpath("data/aws-managed-policies.json").read_bytes()
    by_arn: dict[str, CatalogPolicy] = {}
    for name, entry in json.loads(raw).items():
        arn = entry["Arn"]
        by_arn[arn] = CatalogPolicy(
            name=name,
            arn=arn,
            path=entry["Path"],
            policy_id=policy_id_for(arn),
            default_version_id=entry["DefaultVersionId"],
            created_at=datetime.fromisoformat(entry["CreateDate"]),
            updated_at=datetime.fromisoformat(entry["UpdateDate"]),
            # AWS serves its managed policies' documents pretty-printed with four spaces.
            document=json.dumps(entry["Document"], indent=4),
        )
    ordered = sorted(by_arn.values(), key=lambda policy: (policy.name.lower(), policy.arn))
    return Catalog(by_arn=by_arn, ordered=ordered)


def find(arn: str) -> CatalogPolicy | None:
    return catalog().by_arn.get(arn)
