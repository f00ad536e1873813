"""Choosing rows inside a larger form (users to add, policies to attach), without JavaScript.

A picker is a searchable, paged table of checkboxes (or radio buttons) that lives in the form it
belongs to: its **Search** and page buttons post the whole form back, and the page is drawn again
with everything typed and chosen kept. Values chosen on other pages ride along as hidden fields.
Render it with the ``picker`` macro of ``_forms.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from credo.console import listing

PAGE_SIZE = 10


@dataclass(frozen=True)
class Option:
    """One row: the value the form submits, the name shown, and further cells."""

    value: str
    label: str
    details: tuple[str, ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class Picker:
    field: str  # the form field the chosen values are submitted as
    heading: str  # the name column's heading
    columns: tuple[str, ...]
    listing: listing.Listing[Option]
    chosen: tuple[str, ...]
    labels: dict[str, str]
    single: bool = False
    # AWS's message when the list could not be read (the form still works without it).
    denied: str | None = None

    @property
    def hidden(self) -> tuple[str, ...]:
        """Chosen values not on the shown page: submitted as hidden fields so they stay chosen."""
        shown = {option.value for option in self.listing.rows}
        return tuple(value for value in self.chosen if value not in shown)

    @property
    def chosen_labels(self) -> list[str]:
        return [self.labels.get(value, value) for value in self.chosen]


def chosen_values(pairs: Sequence[tuple[str, str]], field: str, *, single: bool = False) -> tuple[str, ...]:
    """The values submitted for ``field``, first-seen order, blanks dropped; ``single``: the last one."""
    values = [value for name, value in pairs if name == field]
    if single:
        return (values[-1],) if values and values[-1] else ()
    return tuple(dict.fromkeys(value for value in values if value))


def pick(
    field: str,
    heading: str,
    columns: Sequence[str],
    options: Sequence[Option],
    pairs: Sequence[tuple[str, str]],
    *,
    single: bool = False,
    denied: str | None = None,
) -> Picker:
    """The picker as the posted form (``pairs``) left it: its search, its page, its choices."""
    form = dict(pairs)
    query = form.get(f"{field}_q", "")
    shown = listing.page_of(
        _best_first(options, query),
        lambda option: " ".join((option.label, *option.details)),
        query,
        form.get(f"{field}_page", "1"),
        "",
        PAGE_SIZE,
    )
    return Picker(
        field,
        heading,
        tuple(columns),
        shown,
        chosen_values(pairs, field, single=single),
        {option.value: option.label for option in options},
        single,
        denied,
    )


def _best_first(options: Sequence[Option], query: str) -> Sequence[Option]:
    """The exact name first, then names that start with the search (AdministratorAccess before
    AWSAuditManagerAdministratorAccess…), else the given order."""
    needle = query.strip().casefold()
    if not needle:
        return options

    def rank(option: Option) -> int:
        label = option.label.casefold()
        return 0 if label == needle else 1 if label.startswith(needle) else 2

    return sorted(options, key=rank)
