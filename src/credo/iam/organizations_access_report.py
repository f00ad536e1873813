"""GenerateOrganizationsAccessReport / GetOrganizationsAccessReport for a standalone account.

The report is about an AWS Organizations entity, and IAM builds it asynchronously: Generate
only hands out a job id, and a job that cannot be done reports why through Get's
``JobStatus: FAILED`` and ``ErrorDetails`` (the model lists no other error for Generate).
credo has no Organizations, so every job fails at once with the answer Organizations gives
an account outside any organization. Jobs are kept per account, the newest ``KEPT_JOBS``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from credo.call import Call, Operation, Result
from credo.errors import NoSuchEntity
from credo.iam.account_settings import delete_setting, read_setting, read_settings, write_setting

_PREFIX = "org-access-report/"
KEPT_JOBS = 100
# What AWS Organizations answers an account that is not a member of an organization.
NOT_IN_ORGANIZATION = {
    "Code": "AWSOrganizationsNotInUseException",
    "Message": "Your account is not a member of an organization.",
}


def generate_organizations_access_report(call: Call) -> Result:
    account_id = call.principal.account_id
    job_id = str(uuid.uuid4())
    job = {
        "created": call.services.clock.now().isoformat(),
        "entity_path": call.params["EntityPath"],
        "policy_id": call.params.get("OrganizationsPolicyId"),
    }
    with call.services.store.write() as conn:
        write_setting(conn, account_id, _PREFIX + job_id, job)
        jobs = read_settings(conn, account_id, _PREFIX)
        for stale in sorted(jobs, key=lambda name: str(jobs[name]["created"]), reverse=True)[KEPT_JOBS:]:
            delete_setting(conn, account_id, stale)
    return {"JobId": job_id}


def get_organizations_access_report(call: Call) -> Result:
    job_id = str(call.params["JobId"])
    with call.services.store.read() as conn:
        job = read_setting(conn, call.principal.account_id, _PREFIX + job_id)
    if job is None:
        raise NoSuchEntity(f"No job with id {job_id} exists.")
    created = datetime.fromisoformat(str(job["created"]))
    return {
        "JobStatus": "FAILED",
        "JobCreationDate": created,
        "JobCompletionDate": created,
        "ErrorDetails": NOT_IN_ORGANIZATION,
    }


OPERATIONS = {
    "GenerateOrganizationsAccessReport": Operation(generate_organizations_access_report),
    "GetOrganizationsAccessReport": Operation(get_organizations_access_report),
}
