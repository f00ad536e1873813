"""Service last accessed reports: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails
and GetServiceLastAccessedDetailsWithEntities.

A report is about a user, group, role or managed policy. It lists every service that the
permissions policies involved allow (``service_access``), sorted by namespace, each with the
newest authenticated attempt to use it by the entities the report covers, as the request path
records them (``auth/key_usage.py``): the user or role itself; a group's members; the users
(directly or through a group) and roles a policy is attached to. ``ACTION_LEVEL`` adds, for
IAM, the newest attempt per action.

AWS builds a report asynchronously; credo builds it when the job is generated, so the job is
``COMPLETED`` from the start and later pages read one consistent snapshot. As in AWS, only the
user or role session that generated a job may read it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select

from credo import arn
from credo.auth.key_usage import ACTION_TRACKED_SERVICES
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput, NoSuchEntity
from credo.iam import policy_lookup
from credo.iam.paging import decode_marker, page
from credo.iam.service_access import (
    Identity,
    allowed_namespaces,
    find_identity,
    permissions_policies,
    service_name,
)
from credo.store.schema import (
    group_members,
    policy_attachments,
    roles,
    service_last_accessed,
    service_last_accessed_jobs,
    users,
)

KEPT_JOBS = 100  # per account, newest first
_ENTITY_TYPES = {"user": "USER", "role": "ROLE"}


def _entity_info(kind: str, row: RowMapping) -> dict[str, str]:
    return {
        "Arn": arn.iam_arn(row["account_id"], kind, row["path"], row["name"]),
        "Name": row["name"],
        "Type": _ENTITY_TYPES[kind],
        "Id": row["id"],
        "Path": row["path"],
    }


def _rows(conn: Connection, kind: str, ids: set[str]) -> list[dict[str, str]]:
    table = users if kind == "user" else roles
    found = conn.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.name_lower)).mappings()
    return [_entity_info(kind, row) for row in found]


def _members(conn: Connection, group_ids: list[str]) -> set[str]:
    query = select(group_members.c.user_id).where(group_members.c.group_id.in_(group_ids))
    return {str(user_id) for user_id in conn.execute(query).scalars()}


def _scope(conn: Connection, account_id: str, target: str) -> tuple[list[str], list[dict[str, str]]]:
    """The policy documents a report on ``target`` reads, and the entities whose attempts count."""
    parsed = arn.parse_arn(target)
    if parsed is not None and parsed.service == "iam" and parsed.resource.startswith("policy/"):
        policy = policy_lookup.resolve(conn, account_id, target)
        document = policy_lookup.default_document(conn, account_id, target) if policy else None
        if policy is None or document is None:
            raise policy_lookup.not_found(target)
        attached = conn.execute(
            select(policy_attachments.c.entity_kind, policy_attachments.c.entity_id).where(
                policy_attachments.c.account_id == account_id, policy_attachments.c.policy_arn == policy.arn
            )
        ).all()
        by_kind: dict[str, set[str]] = {"user": set(), "group": set(), "role": set()}
        for kind, entity_id in attached:
            by_kind[str(kind)].add(str(entity_id))
        user_ids = by_kind["user"] | _members(conn, sorted(by_kind["group"]))
        return [document], _rows(conn, "role", by_kind["role"]) + _rows(conn, "user", user_ids)
    identity: Identity = find_identity(conn, account_id, target)
    documents = [policy.document for policy in permissions_policies(conn, identity)]
    if identity.kind == "group":
        return documents, _rows(conn, "user", _members(conn, [str(identity.row["id"])]))
    return documents, [_entity_info(identity.kind, identity.row)]


def _newest(found: list[tuple[datetime, str, str]]) -> tuple[datetime, str, str]:
    return max(found, key=lambda item: item[0])


def build_report(conn: Connection, account_id: str, target: str, granularity: str) -> dict[str, Any]:
    """The report's content, as stored with its job: services and the entities it covers."""
    documents, entities = _scope(conn, account_id, target)
    namespaces: set[str] = set()
    for document in documents:
        namespaces |= allowed_namespaces(document)
    arns = {entity["Id"]: entity["Arn"] for entity in entities}
    # namespace → entity id → (when, entity ARN, region); and (namespace, action) → the same.
    by_service: dict[str, dict[str, tuple[datetime, str, str]]] = {}
    by_action: dict[tuple[str, str], list[tuple[datetime, str, str]]] = {}
    if arns and namespaces:
        records = conn.execute(
            select(service_last_accessed).where(service_last_accessed.c.entity_id.in_(list(arns)))
        ).mappings()
        for record in records:
            namespace = record["service_namespace"]
            if namespace not in namespaces:
                continue
            attempt = (record["last_authenticated_at"], arns[record["entity_id"]], record["region"])
            if record["action_name"]:
                by_action.setdefault((namespace, record["action_name"]), []).append(attempt)
            else:
                by_service.setdefault(namespace, {})[record["entity_id"]] = attempt
    services = []
    for namespace in sorted(namespaces):
        service: dict[str, Any] = {"ServiceName": service_name(namespace), "ServiceNamespace": namespace}
        attempts = by_service.get(namespace, {})
        if attempts:
            when, entity_arn, region = _newest(list(attempts.values()))
            service |= {
                "LastAuthenticated": when.isoformat(),
                "LastAuthenticatedEntity": entity_arn,
                "LastAuthenticatedRegion": region,
                "TotalAuthenticatedEntities": len(attempts),
            }
        actions = sorted(name for space, name in by_action if space == namespace)
        if granularity == "ACTION_LEVEL" and namespace in ACTION_TRACKED_SERVICES and actions:
            tracked = []
            for name in actions:
                when, entity_arn, region = _newest(by_action[(namespace, name)])
                tracked.append(
                    {
                        "ActionName": name,
                        "LastAccessedEntity": entity_arn,
                        "LastAccessedTime": when.isoformat(),
                        "LastAccessedRegion": region,
                    }
                )
            service["TrackedActionsLastAccessed"] = tracked
        service["_entities"] = {entity_id: attempt[0].isoformat() for entity_id, attempt in attempts.items()}
        services.append(service)
    return {"services": services, "entities": entities}


def generate_service_last_accessed_details(call: Call) -> Result:
    params = call.params
    granularity = params.get("Granularity") or "SERVICE_LEVEL"
    account_id = call.principal.account_id
    # Attempts this process has not written yet belong in the report.
    call.services.usage.flush()
    now = call.services.clock.now()
    job_id = str(uuid.uuid4())
    with call.services.store.write_quietly() as conn:
        report = build_report(conn, account_id, params["Arn"], granularity)
        conn.execute(
            insert(service_last_accessed_jobs).values(
                id=job_id,
                account_id=account_id,
                requester_arn=call.principal.arn,
                granularity=granularity,
                created_at=now,
                completed_at=now,
                report=json.dumps(report),
            )
        )
        stale = (
            select(service_last_accessed_jobs.c.id)
            .where(service_last_accessed_jobs.c.account_id == account_id)
            .order_by(service_last_accessed_jobs.c.created_at.desc(), service_last_accessed_jobs.c.id)
            .offset(KEPT_JOBS)
        )
        stale_ids = [str(stale_id) for stale_id in conn.execute(stale).scalars()]
        if stale_ids:
            conn.execute(
                delete(service_last_accessed_jobs).where(service_last_accessed_jobs.c.id.in_(stale_ids))
            )
    return {"JobId": job_id}


def _find_job(call: Call) -> RowMapping:
    job_id: str = call.params["JobId"]
    with call.services.store.read() as conn:
        job = (
            conn.execute(
                select(service_last_accessed_jobs).where(
                    service_last_accessed_jobs.c.id == job_id,
                    service_last_accessed_jobs.c.account_id == call.principal.account_id,
                    service_last_accessed_jobs.c.requester_arn == call.principal.arn,
                )
            )
            .mappings()
            .first()
        )
    if job is None:
        raise NoSuchEntity(f"No job with id {job_id} exists.")
    return job


def _job_dates(job: RowMapping) -> dict[str, Any]:
    return {
        "JobStatus": "COMPLETED",
        "JobCreationDate": job["created_at"],
        "JobCompletionDate": job["completed_at"],
    }


def _with_dates(item: dict[str, Any], *fields: str) -> dict[str, Any]:
    shown = {key: value for key, value in item.items() if not key.startswith("_")}
    for name in fields:
        if name in shown:
            shown[name] = datetime.fromisoformat(shown[name])
    return shown


def get_service_last_accessed_details(call: Call) -> Result:
    params = call.params
    job = _find_job(call)
    after = decode_marker(params.get("Marker"))
    services = [
        service
        for service in json.loads(job["report"])["services"]
        if after is None or service["ServiceNamespace"] > after
    ]
    result = page(
        services, params.get("MaxItems"), lambda item: item["ServiceNamespace"], "ServicesLastAccessed"
    )
    shown = []
    for service in result["ServicesLastAccessed"]:
        item = _with_dates(service, "LastAuthenticated")
        if "TrackedActionsLastAccessed" in item:
            item["TrackedActionsLastAccessed"] = [
                _with_dates(action, "LastAccessedTime") for action in item["TrackedActionsLastAccessed"]
            ]
        shown.append(item)
    return {**_job_dates(job), "JobType": job["granularity"], **result, "ServicesLastAccessed": shown}


def _recent_first(detail: dict[str, Any]) -> tuple[int, float]:
    when = detail.get("LastAuthenticated")
    return (0, -when.timestamp()) if when is not None else (1, 0.0)


def get_service_last_accessed_details_with_entities(call: Call) -> Result:
    params = call.params
    job = _find_job(call)
    report = json.loads(job["report"])
    namespace: str = params["ServiceNamespace"]
    service = next((item for item in report["services"] if item["ServiceNamespace"] == namespace), None)
    details: list[dict[str, Any]] = []
    if service is not None:
        last = service["_entities"]
        for entity in report["entities"]:
            detail: dict[str, Any] = {"EntityInfo": entity}
            if entity["Id"] in last:
                detail["LastAuthenticated"] = datetime.fromisoformat(last[entity["Id"]])
            details.append(detail)
        # The most recent attempt first; entities that made none after, in the report's order.
        details.sort(key=_recent_first)
    after = decode_marker(params.get("Marker"))
    if after is not None and not after.isdigit():
        raise InvalidInput("Invalid Marker.")
    start = int(after) + 1 if after is not None else 0
    numbered = [(f"{index:06d}", detail) for index, detail in enumerate(details)][start:]
    result = page(numbered, params.get("MaxItems"), lambda item: item[0], "EntityDetailsList")
    result["EntityDetailsList"] = [detail for _key, detail in result["EntityDetailsList"]]
    return {**_job_dates(job), **result}


OPERATIONS = {
    # A report: built off the event loop, like the credential report.
    "GenerateServiceLastAccessedDetails": Operation(generate_service_last_accessed_details, blocking=True),
    "GetServiceLastAccessedDetails": Operation(get_service_last_accessed_details),
    "GetServiceLastAccessedDetailsWithEntities": Operation(get_service_last_accessed_details_with_entities),
}
