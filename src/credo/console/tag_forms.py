"""The tag editor's rows (Key, Value), read back from a posted form and turned into Tag/Untag calls.

Rows are repeated ``tag_key``/``tag_value`` fields in order; a row left blank is no tag, and a row
whose **Remove** box is ticked (``remove_tag`` = its index) is dropped. **Add new tag** only draws
the form again: nothing changes until the form's own submit button.
"""

from __future__ import annotations

from collections.abc import Sequence

# AWS's limit of tags per user, role or policy.
MAX_TAGS = 50
Tag = dict[str, str]


def tags_from_form(pairs: Sequence[tuple[str, str]]) -> list[Tag]:
    """The rows as typed, blank ones and those marked **Remove** left out."""
    keys = [value for name, value in pairs if name == "tag_key"]
    values = [value for name, value in pairs if name == "tag_value"]
    removed = {value for name, value in pairs if name == "remove_tag"}
    tags = []
    for index, key in enumerate(keys):
        value = values[index] if index < len(values) else ""
        if str(index) in removed or (not key and not value):
            continue
        tags.append({"Key": key, "Value": value})
    return tags


def editor_rows(tags: Sequence[Tag]) -> list[Tag]:
    """What the editor shows: the tags, then an empty row for the next one (so **Add new tag**,
    after a row was filled in, only has to draw the form again)."""
    return [*tags, {"Key": "", "Value": ""}] if len(tags) < MAX_TAGS else list(tags)


def tag_changes(old: Sequence[Tag], new: Sequence[Tag]) -> tuple[list[Tag], list[str]]:
    """The tags to set (new or changed) and the keys to remove, to go from ``old`` to ``new``."""
    before = {tag["Key"]: tag["Value"] for tag in old}
    # Keys are case-insensitive: "env" typed again as "Env" is set (renamed), not removed.
    after_keys = {tag["Key"].lower() for tag in new}
    to_set = [tag for tag in new if before.get(tag["Key"]) != tag["Value"]]
    to_remove = [key for key in before if key.lower() not in after_keys]
    return to_set, to_remove
