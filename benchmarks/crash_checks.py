"""The crash benchmark's write load and its checks: what was acknowledged, and is it still there.

Kept apart from ``benchmarks.crash`` (which starts, kills and restarts servers) so that each
reads on its own: ``WriteLoad`` records every write that answered 200 and the one each thread
had in flight when the server died; ``Checker`` asks a restarted server about them.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import load

POLICY_NAME = "crash-policy"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
    }
)
# Every third user's key is deleted again, so that acknowledged deletions are checked too.
DELETE_EVERY = 3
_ARN = re.compile(rb"<Arn>([^<]*)</Arn>")
_CODE = re.compile(rb"<Code>([^<]*)</Code>")


@dataclass(frozen=True)
class Key:
    user: str
    key_id: str
    secret: str


@dataclass
class Acknowledged:
    """Writes that answered 200, by kind."""

    users: list[str] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    deleted_keys: list[Key] = field(default_factory=list)

    def merge(self, other: Acknowledged) -> None:
        self.users += other.users
        self.keys += other.keys
        self.policies += other.policies
        self.deleted_keys += other.deleted_keys

    def counts(self) -> dict[str, int]:
        return {
            "CreateUser": len(self.users),
            "CreateAccessKey": len(self.keys) + len(self.deleted_keys),
            "PutUserPolicy": len(self.policies),
            "DeleteAccessKey": len(self.deleted_keys),
        }

    def total(self) -> int:
        return sum(self.counts().values())


@dataclass(frozen=True)
class InFlight:
    """A write sent but not answered when the connection died: it may or may not have committed."""

    action: str
    user: str
    key: Key | None = None


def _client(service: str, port: int, credentials: tuple[str, str]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        endpoint_url=f"http://{load.HOST}:{port}",
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        region_name=load.REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60),
    )


class _Writer:
    """One thread's writes, one user after another, until the server stops answering."""

    def __init__(self, iam: Any, prefix: str, stop: threading.Event) -> None:
        self.iam = iam
        self.prefix = prefix
        self.stop = stop
        self.acknowledged = Acknowledged()
        self.in_flight: InFlight | None = None
        self.errors: dict[str, int] = {}

    def run(self) -> None:
        from botocore.exceptions import ClientError

        number = 0
        while not self.stop.is_set():
            number += 1
            user = f"{self.prefix}-{number:05d}"
            try:
                self._one_user(user, delete=number % DELETE_EVERY == 0)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "?")
                kind = f"{error.operation_name}: {code}"
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if self.in_flight is not None and self.in_flight.key is not None:
                    self.acknowledged.keys.append(self.in_flight.key)  # refused: still a live key
                self.in_flight = None
            except Exception as error:  # the connection died with the server: the end of this load
                if not _is_connection_loss(error):
                    kind = type(error).__name__
                    self.errors[kind] = self.errors.get(kind, 0) + 1
                return

    def _one_user(self, user: str, delete: bool) -> None:
        acknowledged = self.acknowledged
        self.in_flight = InFlight("CreateUser", user)
        self.iam.create_user(UserName=user)
        acknowledged.users.append(user)
        self.in_flight = InFlight("CreateAccessKey", user)
        created = self.iam.create_access_key(UserName=user)["AccessKey"]
        key = Key(user, created["AccessKeyId"], created["SecretAccessKey"])
        acknowledged.keys.append(key)
        self.in_flight = InFlight("PutUserPolicy", user)
        self.iam.put_user_policy(UserName=user, PolicyName=POLICY_NAME, PolicyDocument=POLICY)
        acknowledged.policies.append(user)
        if delete:
            # Until the deletion answers, the key is neither live nor gone for certain.
            acknowledged.keys.remove(key)
            self.in_flight = InFlight("DeleteAccessKey", user, key)
            self.iam.delete_access_key(UserName=user, AccessKeyId=key.key_id)
            acknowledged.deleted_keys.append(key)
        self.in_flight = None


def _is_connection_loss(error: Exception) -> bool:
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from botocore.exceptions import HTTPClientError

    return isinstance(error, HTTPClientError | BotocoreConnectionError | ConnectionError)


class WriteLoad:
    """``threads`` writers against one server, each with its own boto3 client (no retries)."""

    def __init__(self, port: int, root: tuple[str, str], prefix: str, threads: int) -> None:
        self.stop = threading.Event()
        self.writers = [
            _Writer(_client("iam", port, root), f"{prefix}w{n}", self.stop) for n in range(threads)
        ]
        self.threads = [threading.Thread(target=writer.run, daemon=True) for writer in self.writers]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float = 120.0) -> tuple[Acknowledged, list[InFlight], dict[str, int]]:
        """What was acknowledged, what was in flight, and errors other than the lost connection."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)
            if thread.is_alive():
                raise RuntimeError("a writer did not finish after the server was killed")
        acknowledged = Acknowledged()
        errors: dict[str, int] = {}
        for writer in self.writers:
            acknowledged.merge(writer.acknowledged)
            for kind, count in writer.errors.items():
                errors[kind] = errors.get(kind, 0) + count
        in_flight = [w.in_flight for w in self.writers if w.in_flight is not None]
        return acknowledged, in_flight, errors


class Checker:
    """Asks a (restarted) server whether writes are there: root reads, and each key signs for itself."""

    def __init__(self, port: int, root: tuple[str, str]) -> None:
        self.port = port
        self.iam = _client("iam", port, root)

    def missing(self, acknowledged: Acknowledged) -> list[str]:
        """One line per acknowledged write the server does not show."""
        lost = [f"CreateUser {user}: no such user" for user in acknowledged.users if not self._user(user)]
        lost += [
            f"PutUserPolicy {user}: no policy {POLICY_NAME}"
            for user in acknowledged.policies
            if not self._policy(user)
        ]
        for key in acknowledged.keys:
            answer = self.caller_arn(key)
            if answer is None or not answer.endswith(f":user/{key.user}"):
                lost.append(f"CreateAccessKey {key.user} {key.key_id}: GetCallerIdentity gave {answer}")
        for key in acknowledged.deleted_keys:
            answer = self.caller_arn(key)
            if answer is not None and answer.startswith("arn:"):
                lost.append(f"DeleteAccessKey {key.user} {key.key_id}: the key still authenticates")
        return lost

    def applied(self, in_flight: Iterable[InFlight]) -> int:
        """How many of the unanswered writes had committed all the same."""
        applied = 0
        for write in in_flight:
            if write.action == "CreateUser":
                applied += self._user(write.user)
            elif write.action == "CreateAccessKey":
                applied += self._user(write.user) and bool(self._keys(write.user))
            elif write.action == "PutUserPolicy":
                applied += self._policy(write.user)
            elif write.action == "DeleteAccessKey" and write.key is not None:
                applied += not (self.caller_arn(write.key) or "").startswith("arn:")
        return applied

    def _user(self, user: str) -> bool:
        return self._exists(lambda: self.iam.get_user(UserName=user))

    def _policy(self, user: str) -> bool:
        return self._exists(lambda: self.iam.get_user_policy(UserName=user, PolicyName=POLICY_NAME))

    def _keys(self, user: str) -> list[Any]:
        return list(self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"])

    @staticmethod
    def _exists(call: Any) -> bool:
        from botocore.exceptions import ClientError

        try:
            call()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return False
            raise
        return True

    def caller_arn(self, key: Key) -> str | None:
        """The ARN a signed GetCallerIdentity answers with, or ``error CODE`` when refused."""
        signed = load.sign_request(load.OPERATIONS[0], self.port, (key.key_id, key.secret))
        request = urllib.request.Request(signed.url, data=signed.body, headers=signed.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            code = _CODE.search(error.read())
            return f"error {code.group(1).decode() if code else error.code}"
        match = _ARN.search(body)
        return match.group(1).decode() if match else None
