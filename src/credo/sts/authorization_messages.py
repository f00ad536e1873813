"""``DecodeAuthorizationMessage``: who may read why a request was denied is itself authorized."""

from __future__ import annotations

from credo.auth import denials
from credo.call import Call, Operation, Result


def decode_authorization_message(call: Call) -> Result:
    return {"DecodedMessage": denials.decode(call.services.keyring, call.params["EncodedMessage"])}


OPERATIONS = {"DecodeAuthorizationMessage": Operation(decode_authorization_message)}
