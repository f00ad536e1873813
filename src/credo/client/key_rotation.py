"""Rotating a profile's access key without ever leaving it without a working one.

The order is aws-vault's: create the new key (as the key's own user, through an MFA session
when the profile has ``mfa_serial``, so policies on ``aws:MultiFactorAuthPresent`` are met),
prove it with ``GetCallerIdentity`` (retried briefly: AWS's IAM is eventually consistent),
store it where the old one was, and only then delete the old key — signed by the new key's
session, which proves once more that the new key works. Each failure says which state it
left: nothing changed (the new key deleted again), two keys on the server, or the new key
stored and the old one still active.

The new key counts as stored only once it reads back from its home. Until then the old key
is kept (in memory, as it was stored); when storing fails at any point — even after the
write — the old key is put back and read back before the new one is deleted on the server,
and when it cannot be, nothing is deleted and the message says what the home holds. Dropping
the sessions cached from the old key comes after, and only warns when it fails: they were
made from the old key, so they are not used again anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from credo.client.aws_calls import AwsCallFailed, CallerKeys, aws_client, call_aws
from credo.client.sts_calls import caller_arn

# Waits before each retry of the new key's GetCallerIdentity (about 7.5 seconds in all).
PROOF_DELAYS = (0.5, 1.0, 2.0, 4.0)
QUOTA_CODE = "LimitExceeded"


class RotationFailed(Exception):
    """The rotation stopped; the message says why and in which state it left the key."""


class KeyHome(Protocol):
    """Where the profile's long-term key is kept (the keychain, or a shared file)."""

    @property
    def description(self) -> str: ...

    def write(self, access_key_id: str, secret_access_key: str) -> None:
        """Replace the stored key."""
        ...

    def held(self) -> tuple[str, str] | None:
        """The key stored now, read back from the home (None: no key there)."""
        ...

    def put_back(self) -> None:
        """Store again the key that was there when the rotation began, exactly as it was."""
        ...

    def forget_sessions(self) -> None:
        """Drop what was cached from the old key; nothing depends on it succeeding."""
        ...


# The credentials IAM calls are signed with, for a long-term key: the key itself, or its MFA session.
SessionFor = Callable[[CallerKeys], CallerKeys]


@dataclass(frozen=True)
class Rotated:
    user_arn: str
    old_key_id: str
    new_key_id: str


def _sentence(text: str) -> str:
    return text if text.endswith(".") else f"{text}."


def _delete_hint(key_id: str, profile: str) -> str:
    return f"aws iam delete-access-key --access-key-id {key_id} --profile {profile}"


@dataclass
class Rotation:
    """One rotation of ``profile``'s key ``old`` (kept in ``home``), calling its endpoint in ``region``."""

    profile: str
    region: str
    old: CallerKeys
    home: KeyHome
    session_for: SessionFor
    say: Callable[[str], None]
    warn: Callable[[str], None]
    sleep: Callable[[float], None] = time.sleep

    def _iam(self, caller: CallerKeys) -> Any:
        return aws_client("iam", self.profile, caller, self.region, attempts=1)

    def run(self) -> Rotated:
        old_id = self.old.access_key_id
        try:
            user_arn = caller_arn(self.profile, self.old, self.region)
        except AwsCallFailed as error:
            raise RotationFailed(
                f"{error}\nThe stored key {old_id} does not work; nothing was changed."
            ) from None
        old_caller = self._guarded(
            lambda: self.session_for(self.old), f"Nothing was changed ({old_id} is still stored)."
        )
        new = self._create(old_caller, user_arn)
        self.say(f"Created access key {new.access_key_id} for {user_arn}.")
        self._prove(new, user_arn, old_caller)
        self._store(new, old_caller)
        self._delete_old(new)
        return Rotated(user_arn, old_id, new.access_key_id)

    def _store(self, new: CallerKeys, old_caller: CallerKeys) -> None:
        """Write the new key and read it back; any failure puts the old key back before undoing."""
        try:
            self.home.write(new.access_key_id, new.secret_access_key)
            if self.home.held() != (new.access_key_id, new.secret_access_key):
                raise RuntimeError(f"{self.home.description} did not give the new key back")
        except Exception as error:  # whatever the home raised, the state must be told
            raise RotationFailed(self._store_failed(new.access_key_id, old_caller, str(error))) from None
        self.say(f"Stored {new.access_key_id} for profile {self.profile} in {self.home.description}.")
        try:
            self.home.forget_sessions()
        except Exception as error:  # tidying only: the old sessions' basis names the old key
            self.warn(
                f"warning: the sessions cached from {self.old.access_key_id} could not be deleted: "
                f"{_sentence(str(error))} They are not used again (they were made from the old key) "
                "and expire on their own."
            )

    def _store_failed(self, new_id: str, old_caller: CallerKeys, why: str) -> str:
        """Put the old key back; undo on the server only when the home is seen to hold it again."""
        old_id = self.old.access_key_id
        problems: list[str] = []
        try:
            self.home.put_back()
        except Exception as error:  # the read below says where that left the home
            problems.append(_sentence(str(error)))
        try:
            held = self.home.held()
        except Exception as error:
            problems.append(f"reading {self.home.description} failed: {_sentence(str(error))}")
            held = None
        else:
            if held == (old_id, self.old.secret_access_key):
                return self._undo(new_id, old_caller, f"it could not be stored: {why}")
            problems.append(f"{self.home.description} holds {held[0] if held else 'no key'}.")
        failed = (
            f"The new key {new_id} could not be stored for profile {self.profile}: {_sentence(why)}\n"
            f"The old key {old_id} could not be put back: {' '.join(problems)}\n"
        )
        if held is not None and held[0] == new_id:
            return failed + (
                f"Profile {self.profile} uses the new key {new_id}, which works; the old key {old_id} is still "
                f"active on the server. Delete it when you can: {_delete_hint(old_id, self.profile)}"
            )
        return failed + (
            f"Nothing was deleted: both {old_id} and {new_id} are still active on the server. When "
            f"{self.home.description} can be used again, see which key profile {self.profile} holds and delete "
            f"the other one: {_delete_hint('ID', self.profile)}"
        )

    def _guarded(self, step: Callable[[], CallerKeys], state: str) -> CallerKeys:
        try:
            return step()
        except Exception as error:  # MFA, keychain or STS: each is said with the state
            raise RotationFailed(f"{error}\n{state}") from None

    def _create(self, caller: CallerKeys, user_arn: str) -> CallerKeys:
        try:
            made: dict[str, Any] = call_aws("CreateAccessKey", lambda: self._iam(caller).create_access_key())
        except AwsCallFailed as error:
            if error.code == QUOTA_CODE:
                raise RotationFailed(f"{error}\n{self._quota_advice(caller, user_arn)}") from None
            raise RotationFailed(
                f"{error}\nNothing was changed: {self.old.access_key_id} is still stored."
            ) from None
        key = made["AccessKey"]
        return CallerKeys(key["AccessKeyId"], key["SecretAccessKey"])

    def _quota_advice(self, caller: CallerKeys, user_arn: str) -> str:
        old_id = self.old.access_key_id
        try:
            listed = call_aws("ListAccessKeys", lambda: self._iam(caller).list_access_keys())
            others = [
                item["AccessKeyId"] for item in listed["AccessKeyMetadata"] if item["AccessKeyId"] != old_id
            ]
        except AwsCallFailed:
            others = []
        other = others[0] if others else "the other key"
        return (
            f"{user_arn} already has two access keys, the most it may have: {old_id} (stored for profile "
            f"{self.profile}) and {other}. Delete the one no longer used ({_delete_hint(other, self.profile)}), "
            "then rotate again. Nothing was changed."
        )

    def _prove(self, new: CallerKeys, user_arn: str, old_caller: CallerKeys) -> None:
        """GetCallerIdentity with the new key, retried while the key may not have reached every server."""
        reason = ""
        for delay in (0.0, *PROOF_DELAYS):
            self.sleep(delay)
            try:
                found = caller_arn(self.profile, new, self.region, attempts=1)
            except AwsCallFailed as error:
                reason = str(error)
                continue
            if found == user_arn:
                return
            reason = f"GetCallerIdentity with it answered {found}, not {user_arn}"
            break
        raise RotationFailed(self._undo(new.access_key_id, old_caller, f"it did not work: {reason}"))

    def _undo(self, new_id: str, old_caller: CallerKeys, why: str) -> str:
        """Delete the new key again with the old key's session; the state, in words."""
        old_id = self.old.access_key_id
        try:
            call_aws("DeleteAccessKey", lambda: self._iam(old_caller).delete_access_key(AccessKeyId=new_id))
        except AwsCallFailed as error:
            return (
                f"The new key {new_id} was not stored: {_sentence(why)}\nIt could not be deleted again: {error}\n"
                f"Two keys exist now: {old_id} (still stored for profile {self.profile}, and working) and "
                f"{new_id} (stored nowhere; its secret is gone). Delete {new_id}: {_delete_hint(new_id, self.profile)}"
            )
        return (
            f"The new key {new_id} was not stored: {_sentence(why)}\n"
            f"It was deleted again. Nothing changed: profile {self.profile} still uses {old_id}."
        )

    def _delete_old(self, new: CallerKeys) -> None:
        old_id = self.old.access_key_id
        state = (
            f"The new key {new.access_key_id} is stored for profile {self.profile} and works, but the old key "
            f"{old_id} is still active on the server. Delete it when you can: {_delete_hint(old_id, self.profile)}"
        )
        caller = self._guarded(lambda: self.session_for(new), state)
        try:
            call_aws("DeleteAccessKey", lambda: self._iam(caller).delete_access_key(AccessKeyId=old_id))
        except AwsCallFailed as error:
            raise RotationFailed(f"{error}\n{state}") from None
        self.say(f"Deleted the old key {old_id}.")
