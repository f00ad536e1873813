"""The one table from (service, action) to the domain operation that answers it."""

from __future__ import annotations

from credo.call import Operation
from credo.iam import access_keys, users
from credo.sts import identity

OPERATIONS: dict[str, dict[str, Operation]] = {
    "iam": {**users.OPERATIONS, **access_keys.OPERATIONS},
    "sts": {**identity.OPERATIONS},
}
