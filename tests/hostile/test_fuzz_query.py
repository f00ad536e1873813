"""Property: the Query decoder and the form parser take any input without an undocumented error.

``query.decode`` answers every request with values or ``ValidationError`` (an ``AwsError``);
``parse_form`` decodes any body at all. Parameters are drawn near the shapes of every IAM and
STS operation credo serves (their member names with odd indexes and odd values), and at random.
"""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl

from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.errors import AwsError
from credo.protocol import model, query
from credo.server.api import parse_form
from credo.server.operations import OPERATIONS
from tests.hostile.fuzzing import examples

OPERATION_NAMES = sorted((service, action) for service, actions in OPERATIONS.items() for action in actions)
# Indexes a client may send: good ones, and every way of not being a small ASCII number.
INDEXES = st.sampled_from(
    ["1", "2", "10", "0", "01", "999999", "1000000", "-1", "", "²", "٣", "1a", "9" * 40]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "true",
            "FALSE",
            "-0",
            "1e999",
            "NaN",
            "inf",
            "0x10",
            "1_000",
            " 7 ",
            "٣",
            "9" * 4301,
            "-" + "9" * 30,
            "2024-02-30T00:00:00Z",
            "99999999999999999999",
            "\x00",
            "a\x1fb",
            "\ufffe",
            "arn:aws:iam::123456789012:user/x",
            '{"Version":"2012-10-17"}',
            "YQ==",
            "!!",
        ]
    ),
)


def member_keys(shape: Shape | None, prefix: str = "", depth: int = 0) -> list[str]:
    """Query keys of every scalar under ``shape``, with ``{}`` where a list or map index goes."""
    if shape is None or depth > 4:
        return []
    if shape.type_name == "structure":
        keys: list[str] = []
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            keys += member_keys(member, f"{prefix}.{wire}" if prefix else wire, depth + 1)
        return keys
    if shape.type_name == "list":
        item = shape.member.serialization.get("name", "member")
        return [prefix, *member_keys(shape.member, f"{prefix}.{item}.{{}}", depth + 1)]
    if shape.type_name == "map":
        return [f"{prefix}.entry.{{}}.key", f"{prefix}.entry.{{}}.value", f"{prefix}.entry.{{}}"]
    return [prefix]


KEYS = {name: member_keys(model.operation(*name).input_shape) for name in OPERATION_NAMES}  # type: ignore[union-attr]


@st.composite
def requests(draw: st.DrawFn) -> tuple[tuple[str, str], dict[str, str]]:
    """An operation and parameters for it: its own member names, bent, plus junk names."""
    name = draw(st.sampled_from(OPERATION_NAMES))
    params: dict[str, str] = {}
    keys = KEYS[name]
    if keys:
        for template in draw(st.lists(st.sampled_from(keys), max_size=12)):
            key = template
            while "{}" in key:
                key = key.replace("{}", draw(INDEXES), 1)
            params[key] = draw(VALUES)
    for junk in draw(st.lists(st.text(max_size=12), max_size=3)):
        params[junk] = draw(VALUES)
    return name, params


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_decode_raises_nothing_but_aws_errors(request: tuple[tuple[str, str], dict[str, str]]) -> None:
    """Any parameters for any operation decode to values or an AwsError (ValidationError)."""
    (service, action), params = request
    operation = model.operation(service, action)
    assert operation is not None
    with contextlib.suppress(AwsError):
        query.decode(operation.input_shape, params)


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=200))
def test_parse_form_decodes_any_body(body: bytes) -> None:
    """Any bytes at all (invalid UTF-8, bad escapes, NULs) decode to pairs, as parse_qsl reads them."""
    pairs = parse_form(body)
    text = body.decode("utf-8", "replace")
    assert pairs == parse_qsl(text, keep_blank_values=True, max_num_fields=None)
