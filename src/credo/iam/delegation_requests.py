"""IAM temporary delegation (delegation requests) as AWS answers an account that is no partner.

Delegation requests are filed by AWS partners that went through AWS's onboarding
(CreateDelegationRequest "is not available for general use"); the customer then associates,
accepts or rejects them, and the exchange token goes to the partner's SNS topic. credo has
no partner programme, no SNS and no token exchange, so CreateDelegationRequest is refused as
it is for a caller that was never onboarded, no delegation request can exist, and every
operation on one answers as for an unknown id. ListDelegationRequests lists none.
GetHumanReadableSummary supports delegation requests only, as AWS's does.
"""

from __future__ import annotations

from credo.arn import parse_arn
from credo.call import Call, Operation, Result
from credo.errors import AccessDenied, InvalidInput, NoSuchEntity
from credo.iam.paging import decode_marker

SUMMARIZED_KIND = "delegation-request/"


def _not_found(request_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The delegation request with ID {request_id} cannot be found.")


def create_delegation_request(call: Call) -> Result:
    principal = call.principal
    raise AccessDenied(
        f"User: {principal.arn} is not authorized to perform: iam:CreateDelegationRequest because "
        f"account {principal.account_id} is not onboarded for IAM temporary delegation"
    )


def unknown_delegation_request(call: Call) -> Result:
    """Get/Associate/Update/Accept/Reject/SendDelegationToken: no request has this id."""
    raise _not_found(str(call.params["DelegationRequestId"]))


def list_delegation_requests(call: Call) -> Result:
    decode_marker(call.params.get("Marker"))  # nothing to page through, but a forged marker is refused
    return {"DelegationRequests": [], "isTruncated": False}


def get_human_readable_summary(call: Call) -> Result:
    text = str(call.params["EntityArn"])
    parsed = parse_arn(text)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith(SUMMARIZED_KIND):
        raise InvalidInput(
            f"The entity {text} cannot be summarized: the only supported entity type is delegation-request."
        )
    raise _not_found(parsed.resource.removeprefix(SUMMARIZED_KIND))


OPERATIONS = {
    "CreateDelegationRequest": Operation(create_delegation_request),
    "ListDelegationRequests": Operation(list_delegation_requests),
    "GetHumanReadableSummary": Operation(get_human_readable_summary),
    **{
        name: Operation(unknown_delegation_request)
        for name in (
            "GetDelegationRequest",
            "AssociateDelegationRequest",
            "UpdateDelegationRequest",
            "AcceptDelegationRequest",
            "RejectDelegationRequest",
            "SendDelegationToken",
        )
    },
}
