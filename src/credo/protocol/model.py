"""botocore's installed service models are the source of truth for shapes and constraints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


@dataclass(frozen=True)
class Service:
    """One service as credo serves it: Query (IAM, STS) or JSON 1.1 (sso-admin, identitystore)."""

    name: str  # botocore's model name: "iam", "sts", "sso-admin", "identitystore"
    api_version: str
    xml_namespace: str  # "" for the JSON services
    model: ServiceModel


NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


@cache
def service(name: str) -> Service:
    """Load (once) the model botocore ships for ``name``."""
    raw: dict[str, Any] = Loader().load_service_model(name, "service-2")
    model = ServiceModel(raw, service_name=name)
    return Service(name, model.api_version, NAMESPACES.get(name, ""), model)


@cache
def operation(service_name: str, action: str) -> OperationModel | None:
    """The operation model for ``action``, or ``None`` when the service has no such action."""
    model = service(service_name).model
    if action not in model.operation_names:
        return None
    return model.operation_model(action)
