"""SSH public keys through boto3 against a real server: formats, refusals, quota, lifecycle."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from typing import Any

import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credo.iam.ssh_public_keys import parse_ssh_public_key
from tests.conftest import allow

UNKNOWN_ID = "APKAAAAAAAAAAAAAAAAA"


@cache
def rsa_key(bits: int = 2048, index: int = 0) -> rsa.RSAPrivateKey:
    """A distinct RSA key per (bits, index), generated once per test session."""
    del index  # part of the cache key only
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def openssh(key: Any, comment: str = "") -> str:
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return str(line.decode()) + (f" {comment}" if comment else "")


def pem(key: Any) -> str:
    public = key.public_key()
    encoded = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return str(encoded.decode())


def md5_fingerprint(openssh_line: str) -> str:
    digest = hashlib.md5(base64.b64decode(openssh_line.split()[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def test_upload_returns_key_shape(iam: Any) -> None:
    """A new key is APKA + 16, Active, with the body as uploaded and the MD5 fingerprint of its blob."""
    iam.create_user(UserName="alice")
    body = openssh(rsa_key(), "alice@laptop")
    key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert re.fullmatch(r"APKA[A-Z2-7]{16}", key["SSHPublicKeyId"])
    assert key["UserName"] == "alice"
    assert key["Status"] == "Active"
    assert key["SSHPublicKeyBody"] == body
    assert key["Fingerprint"] == md5_fingerprint(body)
    assert len(key["Fingerprint"]) == 47
    assert key["UploadDate"].tzinfo is not None


@pytest.mark.parametrize("uploaded_as", ["SSH", "PEM"])
@pytest.mark.parametrize("encoding", ["SSH", "PEM"])
def test_get_answers_in_the_encoding_asked_for(iam: Any, uploaded_as: str, encoding: str) -> None:
    """GetSSHPublicKey returns the key in SSH or PEM encoding whichever way it was uploaded."""
    iam.create_user(UserName="bob")
    private = rsa_key()
    body = openssh(private) if uploaded_as == "SSH" else pem(private)
    key_id = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=body)["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    got = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding=encoding)["SSHPublicKey"]
    expected = openssh(private) if encoding == "SSH" else pem(private)
    assert got["SSHPublicKeyBody"].strip() == expected.strip()
    assert got["Fingerprint"] == md5_fingerprint(openssh(private))


def pkcs1_pem(key: rsa.RSAPrivateKey) -> str:
    encoded = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    return encoded.decode()


def test_pkcs1_pem_is_accepted() -> None:
    """An RSA key in PKCS#1 PEM (BEGIN RSA PUBLIC KEY) is accepted like SubjectPublicKeyInfo."""
    private = rsa_key()
    assert parse_ssh_public_key(pkcs1_pem(private)).fingerprint == md5_fingerprint(openssh(private))


REFUSED = [
    (
        "rsa-1024-ssh",
        lambda: openssh(rsa_key(1024)),
        "InvalidPublicKey",
        "The public key is invalid: it must be at least 2048 bits long.",
    ),
    (
        "rsa-1024-pem",
        lambda: pem(rsa_key(1024)),
        "InvalidPublicKey",
        "The public key is invalid: it must be at least 2048 bits long.",
    ),
    (
        "ed25519-ssh",
        lambda: openssh(ed25519.Ed25519PrivateKey.generate()),
        "UnrecognizedPublicKeyEncoding",
        "The public key encoding format is unsupported or unrecognized.",
    ),
    (
        "ed25519-pem",
        lambda: pem(ed25519.Ed25519PrivateKey.generate()),
        "InvalidPublicKey",
        "The public key is malformed or otherwise invalid.",
    ),
    (
        "ecdsa-ssh",
        lambda: openssh(ec.generate_private_key(ec.SECP256R1())),
        "UnrecognizedPublicKeyEncoding",
        "The public key encoding format is unsupported or unrecognized.",
    ),
    (
        "garbage",
        lambda: "not a key at all",
        "UnrecognizedPublicKeyEncoding",
        "The public key encoding format is unsupported or unrecognized.",
    ),
    (
        "broken-ssh-rsa",
        lambda: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB",
        "InvalidPublicKey",
        "The public key is malformed or otherwise invalid.",
    ),
    (
        "broken-pem",
        lambda: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "InvalidPublicKey",
        "The public key is malformed or otherwise invalid.",
    ),
]


@pytest.mark.parametrize(
    ("make_body", "code", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_refused_keys(iam: Any, make_body: Any, code: str, message: str) -> None:
    """Keys that are not RSA of at least 2048 bits in ssh-rsa or PEM form are refused, and not stored."""
    iam.create_user(UserName="carol")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_ssh_public_key(UserName="carol", SSHPublicKeyBody=make_body())
    assert error_of(caught) == (code, message)
    assert iam.list_ssh_public_keys(UserName="carol")["SSHPublicKeys"] == []


def test_same_key_twice_is_duplicate(iam: Any) -> None:
    """Uploading a key the user already has (in any encoding) is DuplicateSSHPublicKey."""
    iam.create_user(UserName="dan")
    iam.upload_ssh_public_key(UserName="dan", SSHPublicKeyBody=openssh(rsa_key(), "first"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_ssh_public_key(UserName="dan", SSHPublicKeyBody=pem(rsa_key()))
    assert error_of(caught) == (
        "DuplicateSSHPublicKey",
        "The SSH public key is already associated with the specified IAM user.",
    )


def test_same_key_for_two_users_is_allowed(iam: Any) -> None:
    """Duplicates are per user: another user may upload the same key."""
    for name in ("erin", "frank"):
        iam.create_user(UserName=name)
        iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=openssh(rsa_key()))


def test_at_most_five_keys(iam: Any) -> None:
    """A sixth key is LimitExceeded with AWS's quota message."""
    iam.create_user(UserName="gina")
    for index in range(5):
        iam.upload_ssh_public_key(UserName="gina", SSHPublicKeyBody=openssh(rsa_key(2048, index)))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.upload_ssh_public_key(UserName="gina", SSHPublicKeyBody=openssh(rsa_key(2048, 5)))
    assert error_of(caught) == ("LimitExceeded", "Cannot exceed quota for SSHPublicKeysPerUser: 5")


def test_list_paginates(iam: Any) -> None:
    """ListSSHPublicKeys pages with Marker/MaxItems and returns every key exactly once."""
    iam.create_user(UserName="hank")
    uploaded = {
        iam.upload_ssh_public_key(UserName="hank", SSHPublicKeyBody=openssh(rsa_key(2048, index)))[
            "SSHPublicKey"
        ]["SSHPublicKeyId"]
        for index in range(3)
    }
    first = iam.list_ssh_public_keys(UserName="hank", MaxItems=2)
    assert first["IsTruncated"] is True
    second = iam.list_ssh_public_keys(UserName="hank", MaxItems=2, Marker=first["Marker"])
    assert second["IsTruncated"] is False
    listed = first["SSHPublicKeys"] + second["SSHPublicKeys"]
    assert {key["SSHPublicKeyId"] for key in listed} == uploaded
    assert all(key["UserName"] == "hank" and key["Status"] == "Active" for key in listed)
    assert "SSHPublicKeyBody" not in listed[0]


def test_list_without_user_name_is_the_callers(make_user: Any) -> None:
    """ListSSHPublicKeys without UserName lists the calling user's keys."""
    _, client_for = make_user("ivy", policy=allow("iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys"))
    ivy = client_for("iam")
    ivy.upload_ssh_public_key(UserName="ivy", SSHPublicKeyBody=openssh(rsa_key()))
    assert [key["UserName"] for key in ivy.list_ssh_public_keys()["SSHPublicKeys"]] == ["ivy"]


def test_root_without_user_name_lists_nothing(iam: Any) -> None:
    """The root user has no SSH public keys."""
    assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []


def test_update_and_delete(iam: Any) -> None:
    """A key can be made Inactive and Active again, then deleted."""
    iam.create_user(UserName="jack")
    key_id = iam.upload_ssh_public_key(UserName="jack", SSHPublicKeyBody=openssh(rsa_key()))["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    for status in ("Inactive", "Active", "Inactive"):
        iam.update_ssh_public_key(UserName="jack", SSHPublicKeyId=key_id, Status=status)
        got = iam.get_ssh_public_key(UserName="jack", SSHPublicKeyId=key_id, Encoding="SSH")
        assert got["SSHPublicKey"]["Status"] == status
    iam.delete_ssh_public_key(UserName="jack", SSHPublicKeyId=key_id)
    assert iam.list_ssh_public_keys(UserName="jack")["SSHPublicKeys"] == []


def test_expired_status_is_invalid_input(iam: Any) -> None:
    """Status Expired is in the model's enum but cannot be set: InvalidInput."""
    iam.create_user(UserName="kate")
    key_id = iam.upload_ssh_public_key(UserName="kate", SSHPublicKeyBody=openssh(rsa_key()))["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.update_ssh_public_key(UserName="kate", SSHPublicKeyId=key_id, Status="Expired")
    assert error_of(caught) == (
        "InvalidInput",
        "Invalid status: Expired. The status of an SSH public key is Active or Inactive.",
    )


@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_unknown_key_is_no_such_entity(iam: Any, operation: str) -> None:
    """Reading, updating or deleting a key the user does not have is NoSuchEntity."""
    iam.create_user(UserName="liam")
    iam.create_user(UserName="other")
    # Another user's key is as unknown as a made-up id.
    foreign = iam.upload_ssh_public_key(UserName="other", SSHPublicKeyBody=openssh(rsa_key()))["SSHPublicKey"]
    for key_id in (UNKNOWN_ID, foreign["SSHPublicKeyId"]):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            if operation == "get":
                iam.get_ssh_public_key(UserName="liam", SSHPublicKeyId=key_id, Encoding="SSH")
            elif operation == "update":
                iam.update_ssh_public_key(UserName="liam", SSHPublicKeyId=key_id, Status="Inactive")
            else:
                iam.delete_ssh_public_key(UserName="liam", SSHPublicKeyId=key_id)
        assert error_of(caught) == ("NoSuchEntity", f"The Public Key with id {key_id} cannot be found.")


@pytest.mark.parametrize("operation", ["upload", "list"])
def test_unknown_user_is_no_such_entity(iam: Any, operation: str) -> None:
    """Naming a user that does not exist is NoSuchEntity with AWS's user message."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        if operation == "upload":
            iam.upload_ssh_public_key(UserName="nobody", SSHPublicKeyBody=openssh(rsa_key()))
        else:
            iam.list_ssh_public_keys(UserName="nobody")
    assert error_of(caught) == ("NoSuchEntity", "The user with name nobody cannot be found.")


def test_user_with_keys_cannot_be_deleted(iam: Any) -> None:
    """DeleteUser is DeleteConflict while the user has SSH public keys, and works once they are gone."""
    iam.create_user(UserName="mia")
    key_id = iam.upload_ssh_public_key(UserName="mia", SSHPublicKeyBody=openssh(rsa_key()))["SSHPublicKey"][
        "SSHPublicKeyId"
    ]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        iam.delete_user(UserName="mia")
    assert error_of(caught) == ("DeleteConflict", "Cannot delete entity, must delete SSH public keys first.")
    iam.delete_ssh_public_key(UserName="mia", SSHPublicKeyId=key_id)
    iam.delete_user(UserName="mia")
