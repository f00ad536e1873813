"""``GetCallerIdentity``: always allowed, answered from the authenticated principal alone."""

from __future__ import annotations

from credo.call import Call, Operation, Result


def get_caller_identity(call: Call) -> Result:
    principal = call.principal
    return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}


OPERATIONS = {"GetCallerIdentity": Operation(get_caller_identity, store_free=True)}
