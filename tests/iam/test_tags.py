"""Tags on users, roles and instance profiles: Tag*, Untag*, List*Tags and AWS's tag rules."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.conftest import error_of

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}],
    }
)


class Kind:
    """How to create, tag, untag and list tags of one kind of entity through boto3."""

    def __init__(self, noun: str, name_param: str) -> None:
        self.noun = noun
        self.name_param = name_param

    def create(self, iam: Any, name: str) -> None:
        if self.noun == "user":
            iam.create_user(UserName=name)
        elif self.noun == "role":
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        else:
            iam.create_instance_profile(InstanceProfileName=name)

    def tag(self, iam: Any, name: str, tags: list[dict[str, str]]) -> Any:
        return getattr(iam, f"tag_{self.noun}")(**{self.name_param: name, "Tags": tags})

    def untag(self, iam: Any, name: str, keys: list[str]) -> Any:
        return getattr(iam, f"untag_{self.noun}")(**{self.name_param: name, "TagKeys": keys})

    def list(self, iam: Any, name: str, **kwargs: Any) -> Any:
        return getattr(iam, f"list_{self.noun}_tags")(**{self.name_param: name, **kwargs})

    def __repr__(self) -> str:
        return self.noun


KINDS = [Kind("user", "UserName"), Kind("role", "RoleName"), Kind("instance_profile", "InstanceProfileName")]
NOT_FOUND = {
    "user": "The user with name ghost cannot be found.",
    "role": "The role with name ghost cannot be found.",
    "instance_profile": "Instance Profile ghost cannot be found.",
}


@pytest.fixture
def raw_iam(server: Any) -> Any:
    """An IAM client that leaves all validation to the server."""
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"}),
    )


@pytest.mark.parametrize("kind", KINDS, ids=repr)
def test_tag_overwrite_and_untag(iam: Any, kind: Kind) -> None:
    """Tagging adds or overwrites (keys ignore case, first order kept); untagging removes, ignoring case."""
    kind.create(iam, "e")
    kind.tag(iam, "e", [{"Key": "Team", "Value": "core"}, {"Key": "env", "Value": "dev"}])
    kind.tag(iam, "e", [{"Key": "ENV", "Value": "prod"}, {"Key": "empty", "Value": ""}])
    assert kind.list(iam, "e")["Tags"] == [
        {"Key": "Team", "Value": "core"},
        {"Key": "ENV", "Value": "prod"},
        {"Key": "empty", "Value": ""},
    ]
    kind.untag(iam, "e", ["team", "not-there"])
    assert kind.list(iam, "e") | {"ResponseMetadata": None} == {
        "Tags": [{"Key": "ENV", "Value": "prod"}, {"Key": "empty", "Value": ""}],
        "IsTruncated": False,
        "ResponseMetadata": None,
    }


@pytest.mark.parametrize("kind", KINDS, ids=repr)
def test_tag_text_allows_unicode_letters_numbers_and_symbols(iam: Any, kind: Kind) -> None:
    """Keys and values may use any letter, number or space character and ``_.:/=+-@``."""
    kind.create(iam, "e")
    tags = [{"Key": "Équipe 名前", "Value": "٣ ok _.:/=+-@"}]
    kind.tag(iam, "e", tags)
    assert kind.list(iam, "e")["Tags"] == tags


@pytest.mark.parametrize("kind", KINDS, ids=repr)
def test_list_tags_pages(iam: Any, kind: Kind) -> None:
    """List*Tags pages with Marker and MaxItems, in the order the tags were first set."""
    kind.create(iam, "e")
    kind.tag(iam, "e", [{"Key": f"k{i}", "Value": str(i)} for i in range(5)])
    kind.untag(iam, "e", ["k1"])
    kind.tag(iam, "e", [{"Key": "k9", "Value": "9"}])
    seen: list[str] = []
    marker: dict[str, str] = {}
    while True:
        answer = kind.list(iam, "e", MaxItems=2, **marker)
        seen += [tag["Key"] for tag in answer["Tags"]]
        if not answer["IsTruncated"]:
            break
        marker = {"Marker": answer["Marker"]}
    assert sorted(seen) == ["k0", "k2", "k3", "k4", "k9"]
    assert seen[:4] == ["k0", "k2", "k3", "k4"] or seen[:3] == ["k0", "k2", "k3"]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("kind", KINDS, ids=repr)
@pytest.mark.parametrize(
    ("tags", "code", "message"),
    [
        (
            [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}],
            "InvalidInput",
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        (
            [{"Key": "AWS:owner", "Value": "x"}],
            "InvalidInput",
            "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS use.",
        ),
        (
            [{"Key": "", "Value": "x"}],
            "ValidationError",
            "Member must have length greater than or equal to 1",
        ),
        (
            [{"Key": "k" * 129, "Value": "x"}],
            "ValidationError",
            "Member must have length less than or equal to 128",
        ),
        (
            [{"Key": "k", "Value": "v" * 257}],
            "ValidationError",
            "Member must have length less than or equal to 256",
        ),
        ([{"Key": "bad*key", "Value": "x"}], "ValidationError", "at 'tags.1.member.key' failed to satisfy"),
        (
            [{"Key": "k", "Value": "semi;colon"}],
            "ValidationError",
            "at 'tags.1.member.value' failed to satisfy",
        ),
        (
            [{"Key": f"k{i}", "Value": ""} for i in range(51)],
            "ValidationError",
            "Member must have length less",
        ),
    ],
)
def test_invalid_tags_are_refused(
    raw_iam: Any, kind: Kind, tags: list[dict[str, str]], code: str, message: str
) -> None:
    """Tags break AWS's rules: duplicate keys, reserved prefix, lengths, pattern, more than 50 at once."""
    kind.create(raw_iam, "e")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        kind.tag(raw_iam, "e", tags)
    got_code, got_message = error_of(exc)
    assert got_code == code
    assert message in got_message
    assert kind.list(raw_iam, "e")["Tags"] == []


@pytest.mark.parametrize("kind", KINDS, ids=repr)
def test_more_than_fifty_tags_in_all_is_limit_exceeded(iam: Any, kind: Kind) -> None:
    """An entity holds at most 50 tags; overwriting an existing key does not count as a new one."""
    kind.create(iam, "e")
    kind.tag(iam, "e", [{"Key": f"k{i}", "Value": ""} for i in range(50)])
    kind.tag(iam, "e", [{"Key": "K0", "Value": "again"}])
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        kind.tag(iam, "e", [{"Key": "one-more", "Value": ""}])
    assert error_of(exc)[0] == "LimitExceeded"
    assert "TagsPerEntity: 50" in error_of(exc)[1]
    assert len(kind.list(iam, "e")["Tags"]) == 50


@pytest.mark.parametrize("kind", KINDS, ids=repr)
@pytest.mark.parametrize("operation", ["tag", "untag", "list"])
def test_tags_of_missing_entity_is_no_such_entity(iam: Any, kind: Kind, operation: str) -> None:
    """Tag operations on an entity that does not exist say which."""
    calls = {
        "tag": lambda: kind.tag(iam, "ghost", [{"Key": "a", "Value": "b"}]),
        "untag": lambda: kind.untag(iam, "ghost", ["a"]),
        "list": lambda: kind.list(iam, "ghost"),
    }
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        calls[operation]()
    assert error_of(exc) == ("NoSuchEntity", NOT_FOUND[kind.noun])


def test_invalid_marker_is_invalid_input(iam: Any) -> None:
    """A marker the server did not issue is refused."""
    iam.create_user(UserName="u")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        iam.list_user_tags(UserName="u", Marker="bm90LWEtbWFya2Vy")
    assert error_of(exc) == ("InvalidInput", "Invalid Marker.")


UNTAG_CALLS = {
    "user": lambda iam, keys: iam.untag_user(UserName="ghost", TagKeys=keys),
    "role": lambda iam, keys: iam.untag_role(RoleName="ghost", TagKeys=keys),
    "instance_profile": lambda iam, keys: iam.untag_instance_profile(
        InstanceProfileName="ghost", TagKeys=keys
    ),
    "policy": lambda iam, keys: iam.untag_policy(
        PolicyArn="arn:aws:iam::123456789012:policy/ghost", TagKeys=keys
    ),
    "mfa_device": lambda iam, keys: iam.untag_mfa_device(
        SerialNumber="arn:aws:iam::123456789012:mfa/ghost", TagKeys=keys
    ),
    "server_certificate": lambda iam, keys: iam.untag_server_certificate(
        ServerCertificateName="ghost", TagKeys=keys
    ),
}


@pytest.mark.parametrize("noun", list(UNTAG_CALLS))
def test_every_untag_call_checks_tag_keys_first(raw_iam: Any, noun: str) -> None:
    """Each Untag… call refuses a key outside AWS's pattern, before looking the entity up."""
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        UNTAG_CALLS[noun](raw_iam, ["ok", "bad<key"])
    assert error_of(exc) == (
        "ValidationError",
        "1 validation error detected: Value 'bad<key' at 'tagKeys.2.member' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
    )


def test_too_many_tag_keys_quotes_the_list(raw_iam: Any) -> None:
    """Over 50 keys in one Untag… call: AWS quotes the list in its length message."""
    keys = [f"k{i}" for i in range(51)]
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        raw_iam.untag_role(RoleName="ghost", TagKeys=keys)
    assert error_of(exc) == (
        "ValidationError",
        f"1 validation error detected: Value '[{', '.join(keys)}]' at 'tagKeys' failed to satisfy "
        "constraint: Member must have length less than or equal to 50",
    )
