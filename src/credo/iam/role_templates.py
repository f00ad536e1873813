"""Role templates (GetRoleTemplateVersion, AcquireRole): credo publishes none.

Role templates are made and versioned by AWS services (``ManagedByType: Service``); no API
creates one, and credo ships no service's templates. So a well-formed template ARN names a
template that does not exist, answered as AWS answers an unknown one: ``NoSuchEntity``.
Roles are made with CreateRole instead.
"""

from __future__ import annotations

from credo.arn import parse_arn
from credo.call import Call, Operation, Result
from credo.errors import InvalidInput, NoSuchEntity


def _unknown_template(call: Call) -> Result:
    text = str(call.params["TemplateArn"])
    parsed = parse_arn(text)
    if parsed is None or parsed.service != "iam":
        raise InvalidInput(f"ARN {text} is not valid.")
    raise NoSuchEntity(f"The role template {text} cannot be found.")


OPERATIONS = {
    "GetRoleTemplateVersion": Operation(_unknown_template),
    "AcquireRole": Operation(_unknown_template),
}
