"""Query decoding under hostile input: bounded work, AWS's ValidationError, no secret quoted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from credo.errors import ValidationError
from credo.protocol import model, query
from tests.conftest import Server
from tests.server.test_query_api import raw_call


class CountingParams(Mapping[str, str]):
    """A parameter mapping that counts how often the decoder walks all of its names."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        self.walks = 0

    def __getitem__(self, key: str) -> str:
        return self.params[key]

    def __iter__(self) -> Iterator[str]:
        self.walks += 1
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)


def tag_user(tags: int, junk: int = 0) -> dict[str, str]:
    params = {"Action": "TagUser", "Version": "2010-05-08", "UserName": "u"}
    params.update({f"Junk.{i}.x": "j" for i in range(junk)})
    for i in range(1, tags + 1):
        params[f"Tags.member.{i}.Key"] = f"k{i}"
        params[f"Tags.member.{i}.Value"] = "v"
    return params


def decode(action: str, params: Mapping[str, str]) -> dict[str, Any]:
    operation = model.operation("iam", action)
    assert operation is not None
    return query.decode(operation.input_shape, params)


def test_decoding_walks_the_parameter_names_once() -> None:
    """However many list members and junk names, the names are scanned once (linear work)."""
    params = CountingParams(tag_user(50, junk=5_000))
    decoded = decode("TagUser", params)
    assert len(decoded["Tags"]) == 50
    assert params.walks == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        pytest.param(
            {"UserName": "u", "Tags.member.².Key": "k"}, "Value '²' at 'tags'", id="unicode digit index"
        ),
        pytest.param(
            {"UserName": "u", "Tags.member." + "9" * 4301 + ".Key": "k"},
            "at 'tags' failed to satisfy constraint: Member index must be",
            id="4301-digit index",
        ),
        pytest.param(
            {"UserName": "u", "Tags.member.1234567.Key": "k"}, "Member index must be", id="index too long"
        ),
        pytest.param(
            {"UserName": "u", **{f"Tags.member.{i}.Key": "k" for i in range(1, 1002)}},
            "Value null at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1000",
            id="more list members than any list holds",
        ),
        pytest.param(
            {"UserName": "u", **{f"J{i}": "x" for i in range(query.MAX_PARAMETERS + 1)}},
            f"at most {query.MAX_PARAMETERS} are accepted",
            id="too many parameters",
        ),
    ],
)
def test_hostile_indexes_and_counts_are_validation_errors(params: dict[str, str], fragment: str) -> None:
    """Indexes that are not small ASCII numbers, or too many members or parameters: ValidationError."""
    with pytest.raises(ValidationError) as caught:
        decode("TagUser", params)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("action", "params", "secret"),
    [
        pytest.param(
            "CreateLoginProfile", {"UserName": "u", "Password": "S" * 200}, "S" * 200, id="password"
        ),
        pytest.param(
            "ChangePassword",
            {"OldPassword": "x", "NewPassword": "Secret\x00Pass"},
            "Secret",
            id="new password",
        ),
        pytest.param(
            "UploadServerCertificate",
            {"ServerCertificateName": "c", "CertificateBody": "b", "PrivateKey": "K" * 20000},
            "KKKK",
            id="private key",
        ),
    ],
)
def test_sensitive_values_are_never_quoted(action: str, params: dict[str, str], secret: str) -> None:
    """A value botocore marks sensitive fails validation without being echoed."""
    with pytest.raises(ValidationError) as caught:
        decode(action, params)
    assert secret not in caught.value.message
    assert "Value at '" in caught.value.message


def test_sensitive_value_is_not_echoed_by_the_server(server: Server) -> None:
    """Over HTTP too: a too-long password is refused as ValidationError with no trace of it."""
    raw_call(server, urlencode({"Action": "CreateUser", "Version": "2010-05-08", "UserName": "u"}))
    secret = "TopSecret-" * 20
    status, body, _ = raw_call(
        server,
        urlencode(
            {"Action": "CreateLoginProfile", "Version": "2010-05-08", "UserName": "u", "Password": secret}
        ),
    )
    assert status == 400
    assert "<Code>ValidationError</Code>" in body
    assert "TopSecret" not in body
    assert "Value at 'password' failed to satisfy constraint" in body
    assert "TopSecret" not in server.log_path.read_text()


@pytest.mark.parametrize("name", ["a\x00b", "a\x1fb", "a\x0bb", "a\ufffeb"])
def test_errors_quoting_characters_xml_cannot_carry_are_well_formed(server: Server, name: str) -> None:
    """An error that quotes a control character still parses: the character becomes U+FFFD."""
    status, body, _ = raw_call(
        server, urlencode({"Action": "GetUser", "Version": "2010-05-08", "UserName": name})
    )
    assert status == 400
    error = ElementTree.fromstring(body).find("{*}Error")
    assert error is not None
    assert error.findtext("{*}Code") == "ValidationError"
    assert "Value 'a\ufffdb' at 'userName'" in (error.findtext("{*}Message") or "")
