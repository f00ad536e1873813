"""`credo keys rotate-master` and `retire-old` while a server runs: nothing stops working."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

from credo.keyring import MasterKeyFile, key_id_of
from tests.conftest import NO_RETRIES, REGION, start_server, stop_server
from tests.server.test_bootstrap import credentials_from, fresh_database, run_credo


def _client(endpoint: str, service: str, key: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=REGION,
        config=NO_RETRIES,
    )


def _token_key_version(token: str) -> str:
    """The master key id prefix a session token names (format byte, then 8 bytes of the id)."""
    return base64.b64decode(token)[1:9].hex()


def _refused_within(sts: Any, seconds: float) -> str | None:
    """The error code once ``sts`` is refused, polling for up to ``seconds``; ``None`` if never."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sts.get_caller_identity()
        except botocore.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        time.sleep(0.2)
    return None


def _status(where: list[str]) -> dict[str, tuple[str, int]]:
    result = run_credo("keys", "status", *where)
    assert result.returncode == 0, result.stderr
    found = {}
    for line in result.stdout.splitlines():
        key_id, role, count, *_ = line.split()
        found[key_id] = (role, int(count))
    return found


def test_rotate_and_retire_while_serving(tmp_path: Path, store_kind: str) -> None:
    """Every secret moves under the new key with the server running; old tokens work until the old key is retired."""
    with fresh_database(store_kind, tmp_path) as where:
        if "--data-dir" not in where:
            where = [*where, "--data-dir", str(tmp_path / "data")]
        data_dir = Path(where[where.index("--data-dir") + 1])
        server = start_server(tmp_path, *where)
        try:
            root_key, root_secret = credentials_from(server.log())
            iam = _client(server.endpoint, "iam", root_key, root_secret)
            iam.create_user(UserName="alice")
            alice = iam.create_access_key(UserName="alice")["AccessKey"]
            iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")
            old_session = _client(server.endpoint, "sts", root_key, root_secret).get_session_token()[
                "Credentials"
            ]
            key_file = MasterKeyFile(data_dir / "master.key")
            (old_master,) = key_file.read()

            rotated = run_credo("keys", "rotate-master", *where)
            assert rotated.returncode == 0, rotated.stderr
            assert "re-sealed 3 secrets" in rotated.stdout  # two access keys and the MFA seed
            new_master, kept = key_file.read()
            assert kept == old_master
            assert _status(where) == {
                key_id_of(new_master): ("current", 3),
                key_id_of(old_master): ("older", 0),
            }

            # A write empties the server's caches, so alice's key is read again, now re-sealed.
            iam.create_user(UserName="bob")
            alice_sts = _client(server.endpoint, "sts", alice["AccessKeyId"], alice["SecretAccessKey"])
            assert alice_sts.get_caller_identity()["Arn"].endswith(":user/alice")
            # Made before the rotation, under the old key: still good.
            old_sts = _client(
                server.endpoint,
                "sts",
                old_session["AccessKeyId"],
                old_session["SecretAccessKey"],
                old_session["SessionToken"],
            )
            assert old_sts.get_caller_identity()["Arn"].endswith(":root")
            # New secrets and tokens are sealed under the new key.
            new_session = _client(server.endpoint, "sts", root_key, root_secret).get_session_token()[
                "Credentials"
            ]
            assert _token_key_version(new_session["SessionToken"]) == key_id_of(new_master)[:16]
            iam.create_access_key(UserName="bob")
            assert _status(where)[key_id_of(new_master)] == ("current", 4)

            retired = run_credo("keys", "retire-old", *where)
            assert retired.returncode == 0, retired.stderr
            assert key_file.read() == [new_master]
            # The old key is gone: what it sealed stops opening once the server has read the
            # file again (it looks at most once a second), everything else still works.
            assert _refused_within(old_sts, seconds=10) == "InvalidClientTokenId"
            assert alice_sts.get_caller_identity()["Arn"].endswith(":user/alice")
        finally:
            stop_server(server)
        assert "Traceback" not in server.log()
        again = start_server(tmp_path, *where)
        try:
            alice_sts = _client(again.endpoint, "sts", alice["AccessKeyId"], alice["SecretAccessKey"])
            assert alice_sts.get_caller_identity()["Arn"].endswith(":user/alice")
        finally:
            stop_server(again)


def test_rotation_refuses_keys_from_the_environment(tmp_path: Path) -> None:
    """With CREDO_MASTER_KEY the command cannot rewrite the keys: it says so and changes nothing."""
    key = base64.b64encode(b"k" * 32).decode()
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_credo("init", *data, env={"CREDO_MASTER_KEY": key}).returncode == 0
    result = run_credo("keys", "rotate-master", *data, env={"CREDO_MASTER_KEY": key})
    assert result.returncode == 1
    assert "CREDO_MASTER_KEY" in result.stderr and "docs/deploy.md" in result.stderr
    assert not (tmp_path / "data" / "master.key").exists()


def test_keys_in_the_environment_are_a_list(tmp_path: Path) -> None:
    """CREDO_MASTER_KEY="NEW,OLD": the first seals, the others still open (the manual rotation)."""
    old = base64.b64encode(b"o" * 32).decode()
    new = base64.b64encode(b"n" * 32).decode()
    data = ["--data-dir", str(tmp_path / "data")]
    created = run_credo("init", *data, env={"CREDO_MASTER_KEY": old})
    assert created.returncode == 0, created.stderr
    resealed = run_credo("keys", "reseal", *data, env={"CREDO_MASTER_KEY": f"{new},{old}"})
    assert resealed.returncode == 0, resealed.stderr
    assert "re-sealed 1 secrets" in resealed.stdout
    alone = run_credo("keys", "status", *data, env={"CREDO_MASTER_KEY": new})
    assert alone.returncode == 0, alone.stderr
    assert f"{key_id_of(b'n' * 32)}  current  1 secrets" in alone.stdout


def test_every_sealed_column_is_resealed() -> None:
    """Rotation knows every sealed column of the schema: a new one must be added to SEALED_COLUMNS."""
    from credo.server.rekey import SEALED_COLUMNS
    from credo.store.schema import metadata

    in_schema = {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_sealed")
    }
    assert in_schema == {f"{column.table.name}.{column.sealed.name}" for column in SEALED_COLUMNS}


def test_two_rotations_at_once_lose_no_key(tmp_path: Path) -> None:
    """Two rotate-master commands at once take turns: both new keys stay, every secret still opens."""
    import os
    import subprocess

    from tests.conftest import CREDO

    data = ["--data-dir", str(tmp_path / "data")]
    assert run_credo("init", *data).returncode == 0
    (original,) = MasterKeyFile(tmp_path / "data" / "master.key").read()
    both = [
        subprocess.Popen(
            [CREDO, "keys", "rotate-master", *data], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for process in both:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    keys = MasterKeyFile(tmp_path / "data" / "master.key").read()
    assert len(keys) == 3 and keys[-1] == original
    assert _status(data) == {
        key_id_of(keys[0]): ("current", 1),
        key_id_of(keys[1]): ("older", 0),
        key_id_of(original): ("older", 0),
    }
    assert os.stat(tmp_path / "data" / "master.key").st_mode & 0o077 == 0
