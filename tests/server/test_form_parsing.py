"""The Query endpoint's form parser decodes exactly what the standard library decodes."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from credo.server.api import parse_form

text = st.text(max_size=20)


@given(st.lists(st.tuples(text, text), max_size=6))
def test_parse_form_matches_parse_qsl(pairs: list[tuple[str, str]]) -> None:
    """For any urlencoded body, parse_form gives parse_qsl's pairs (blank values kept)."""
    body = urlencode(pairs).encode()
    expected = [(k, v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)]
    assert parse_form(body) == expected
