"""GetAccessKeyInfo: which account an access key id belongs to.

AWS answers for any key id it issued, whoever asks. credo looks long-term keys up in
``access_keys`` and temporary ones in ``session_keys`` (kept 90 days past expiry). For an id
it never issued, AWS's answer is meaningless (it decodes the id); credo answers without an
``Account`` rather than invent one.
"""

from __future__ import annotations

from sqlalchemy import select

from credo.call import Call, Operation, Result
from credo.store.schema import access_keys, session_keys


def get_access_key_info(call: Call) -> Result:
    key_id: str = call.params["AccessKeyId"]
    with call.services.store.read() as conn:
        account = conn.execute(select(access_keys.c.account_id).where(access_keys.c.id == key_id)).scalar()
        if account is None:
            account = conn.execute(
                select(session_keys.c.account_id).where(session_keys.c.id == key_id)
            ).scalar()
    return {} if account is None else {"Account": account}


OPERATIONS = {"GetAccessKeyInfo": Operation(get_access_key_info)}
