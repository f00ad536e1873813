"""The forms of an HTML page, read the way a browser would submit them.

Identity providers' sign-in pages are HTML forms (a user name, a password, hidden fields), and
their last page is a form that posts the ``SAMLResponse`` on. ``credo login saml`` reads those
forms with the standard library's tolerant HTML parser: no scripts are run, nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

# Inputs a browser submits with their value; buttons and files are not part of a sign-in.
SUBMITTED_TYPES = frozenset({"", "text", "email", "hidden", "password", "tel", "number", "checkbox", "radio"})


@dataclass
class FormInput:
    name: str
    kind: str
    value: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    inputs: list[FormInput] = field(default_factory=list)

    def named(self, name: str) -> FormInput | None:
        return next((entry for entry in self.inputs if entry.name == name), None)

    def of_kind(self, *kinds: str) -> list[FormInput]:
        return [entry for entry in self.inputs if entry.kind in kinds]

    def values(self) -> dict[str, str]:
        """What submitting the form as it stands sends (unchecked boxes and radios left out)."""
        sent: dict[str, str] = {}
        for entry in self.inputs:
            if entry.kind in ("checkbox", "radio") and not entry.checked:
                continue
            sent.setdefault(entry.name, entry.value)
        return sent


class _FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = urljoin(self.page_url, attributes.get("action") or self.page_url)
            self._current = Form(action, (attributes.get("method") or "get").lower())
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attributes.get("name"):
            kind = attributes.get("type", "").lower()
            if kind in SUBMITTED_TYPES:
                self._current.inputs.append(
                    FormInput(
                        attributes["name"],
                        kind or "text",
                        attributes.get("value", ""),
                        "checked" in attributes,
                    )
                )

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_of(page: str, page_url: str) -> list[Form]:
    """The page's forms, actions made absolute against ``page_url``."""
    reader = _FormReader(page_url)
    reader.feed(page)
    reader.close()
    return reader.forms
