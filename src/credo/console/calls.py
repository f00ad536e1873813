"""One way in: a console action is the API operation of the same name, as the signed-in principal.

The console builds a ``Call`` exactly as the Query endpoint (IAM, STS) or the JSON 1.1 endpoint
(sso-admin, identitystore) does and passes it through the same authorizer, so it can do nothing
the API would refuse the same principal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.serialize import QuerySerializer

from credo import ids
from credo.audit.facts import ApiCall
from credo.auth.principal import Principal
from credo.call import Call, Result, Services
from credo.errors import AwsError
from credo.protocol import json as json_protocol
from credo.protocol import model, query
from credo.server.operations import JSON_OPERATIONS, OPERATIONS
from credo.sso import authorization

# The console has no region of its own; IAM is global and AWS's console signs IAM for us-east-1.
CONSOLE_REGION = "us-east-1"
# The userAgent CloudTrail records for calls the console makes on a person's behalf.
CONSOLE_USER_AGENT = "AWS Internal"


def invoke(
    services: Services,
    principal: Principal,
    service: str,
    action: str,
    params: Mapping[str, Any],
    *,
    source_ip: str,
    secure_transport: bool,
) -> Result:
    """Authorize and run ``service:action``; raises the operation's ``AwsError`` (AccessDenied…).

    Runs in a worker thread: handlers block on the store and some on password hashing. The
    call is in the audit trail as the API's calls are (``sessionCredentialFromConsole``).
    """
    is_json = service in JSON_OPERATIONS
    operation = (JSON_OPERATIONS if is_json else OPERATIONS)[service][action]
    request_id = ids.request_id()
    audited = ApiCall(
        service,
        action,
        services.clock.time(),
        principal,
        CONSOLE_REGION,
        source_ip,
        CONSOLE_USER_AGENT,
        request_id,
        from_console=True,
    )
    try:
        call = Call(
            action,
            (checked_json if is_json else checked)(service, action, params),
            principal,
            services,
            request_id,
            CONSOLE_REGION,
            source_ip,
        )
        audited.params = call.params
        if is_json:
            # As the JSON endpoint: the action is named by the signing name (``sso:…`` for
            # sso-admin) and authorized on every resource it needs.
            signing_name = model.service(service).model.signing_name
            audited.namespace = signing_name
            targets = authorization.targets(call, service, f"{signing_name}:{action}")
            services.authorizer.authorize_targets(call, signing_name, secure_transport, targets)
        else:
            services.authorizer.authorize(call, service, secure_transport)
        recording = services.audit.begin(audited)
        try:
            result = operation.handler(call)
        finally:
            services.audit.end(recording)
    except AwsError as error:
        audited.fail(error.code, error.message)
        services.audit.settle(audited)
        raise
    audited.result = result
    services.audit.settle(audited)
    return result


def checked(service: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as the Query endpoint would hand them over: put on the wire and decoded through
    the service model, so a name, length or range the API refuses (``ValidationError``, in AWS's
    words) is refused here too, before authorization as there."""
    operation_model = model.operation(service, action)
    assert operation_model is not None, action
    present = {name: value for name, value in params.items() if value is not None}
    body = QuerySerializer().serialize_to_request(present, operation_model)["body"]
    return query.decode(operation_model.input_shape, {name: str(value) for name, value in body.items()})


def checked_json(service: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as the JSON 1.1 endpoint would hand them over: a JSON body decoded and validated
    through the service model (``ValidationException`` in AWS's words for what the API refuses)."""
    operation_model = model.operation(service, action)
    assert operation_model is not None, action
    present = {name: value for name, value in params.items() if value is not None}
    return json_protocol.decode(operation_model.input_shape, json.dumps(present).encode())
