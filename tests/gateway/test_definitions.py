"""Service definitions: what a valid file becomes, and where each kind of mistake is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from credo.gateway.definitions import DefinitionError, definition_from_json, load_definition

EXAMPLE = Path(__file__).parents[2] / "examples" / "widgets" / "widgets.yaml"

BASE = """\
service: widgets
actions:
  GetWidget: {access: Read, resources: [widget]}
  ListWidgets: List
resources:
  widget: arn:${Partition}:widgets:${Region}:${Account}:widget/${WidgetId}
condition_keys:
  widgets:Color: {type: String}
routes:
  - {method: GET, path: "/widgets/{WidgetId}", action: GetWidget, resource: widget}
  - {method: GET, path: /widgets, action: ListWidgets}
"""


def test_example_definition_round_trips() -> None:
    """The example's canonical JSON reads back as the same definition."""
    definition = load_definition(EXAMPLE.read_text())
    again = definition_from_json(definition.text)
    assert again.document == definition.document
    assert definition.prefix == "widgets"
    assert definition.action("getwidget") is definition.actions["GetWidget"]


@pytest.mark.parametrize(
    ("method", "path", "action", "values"),
    [
        ("GET", "/widgets", "ListWidgets", {}),
        ("GET", "/widgets/w-1", "GetWidget", {"WidgetId": "w-1"}),
        ("GET", "/widgets/a%20b", "GetWidget", {"WidgetId": "a b"}),
        ("HEAD", "/widgets/w-1", "GetWidget", {"WidgetId": "w-1"}),
        ("GET", "/widgets/w-1?color=red", "GetWidget", {"WidgetId": "w-1"}),
        ("POST", "/widgets/w-1", None, None),
        ("GET", "/widgets/w-1/parts", None, None),
        ("GET", "/gadgets", None, None),
    ],
)
def test_routes_match(method: str, path: str, action: str | None, values: dict[str, str] | None) -> None:
    """A request maps to the route of its method and path, with the path's variables."""
    found = load_definition(BASE).routes.match(method, path)
    assert (found.route.action if found else None) == action
    assert (found.values if found else None) == values


def test_literal_segment_beats_variable() -> None:
    """/widgets/search is its own action even though /widgets/{WidgetId} also fits."""
    text = BASE.replace("  ListWidgets: List\n", "  ListWidgets: List\n  SearchWidgets: List\n")
    text += "  - {method: GET, path: /widgets/search, action: SearchWidgets}\n"
    text += '  - {method: GET, path: "/files/{Key+}", action: ListWidgets}\n'
    routes = load_definition(text).routes
    assert routes.match("GET", "/widgets/search").route.action == "SearchWidgets"  # type: ignore[union-attr]
    assert routes.match("GET", "/files/a/b/c").values == {"Key": "a/b/c"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "where", "line", "message"),
    [
        (("service: widgets", "service: iam"), "service", 1, "AWS service's prefix"),
        (("service: widgets", "service: Widgets!"), "service", 1, "not a service prefix"),
        (
            ("GetWidget: {access: Read", "GetWidget: {access: Reed"),
            "actions.GetWidget.access",
            3,
            "access level",
        ),
        (("resources: [widget]}", "resources: [gadget]}"), "actions.GetWidget.resources[0]", 3, "gadget"),
        (("ListWidgets: List", "List-Widgets: List"), "actions.List-Widgets", 4, "action's name"),
        (
            ("arn:${Partition}:widgets:", "arn:${Partition}:gadgets:"),
            "resources.widget",
            6,
            "not the definition's",
        ),
        (("widget/${WidgetId}", "widget/${Widget Id}"), "resources.widget", 6, "not a variable name"),
        (
            ("widgets:Color: {type: String}", "widgets:Color: {type: Text}"),
            "condition_keys.widgets:Color.type",
            8,
            "Text",
        ),
        (("widgets:Color:", "gadgets:Color:"), "condition_keys.gadgets:Color", 8, "widgets:Name"),
        (("method: GET, path: /widgets,", "method: FETCH, path: /widgets,"), "routes[1].method", 11, "FETCH"),
        (("path: /widgets,", "path: widgets,"), "routes[1].path", 11, "starting with /"),
        (("action: ListWidgets}", "action: ListGadgets}"), "routes[1].action", 11, "ListGadgets"),
        (('path: "/widgets/{WidgetId}"', 'path: "/widgets/{Id}"'), "routes[0].path", 10, "{WidgetId}"),
        (
            ('path: "/widgets/{WidgetId}"', 'path: "/widgets/{A+}/{WidgetId}"'),
            "routes[0].path",
            10,
            "comes last",
        ),
        (("path: /widgets,", 'path: "/widgets/{X}",'), "routes[1].path", 11, "already maps GET"),
        (("routes:", "rutes:"), "rutes", 9, "unknown field"),
        (
            ("  ListWidgets: List\n", "  ListWidgets: List\n  ListWidgets: Read\n"),
            "actions.ListWidgets",
            5,
            "given twice",
        ),
        (("service: widgets", "service: [widgets"), "", 2, "expected"),
    ],
)
def test_errors_say_where(change: tuple[str, str], where: str, line: int, message: str) -> None:
    """Each mistake is reported with the value's path, its line and what is wrong."""
    with pytest.raises(DefinitionError) as caught:
        load_definition(BASE.replace(*change, 1))
    error = caught.value
    assert (error.where, error.line) == (where, line)
    assert message in error.message
    assert error.describe("w.yaml").startswith(f"w.yaml:{line}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", "nested too deeply"),
    ],
)
def test_hostile_yaml(text: str, message: str) -> None:
    """Aliases (a few lines expanding to millions) and absurd nesting are refused, not followed."""
    with pytest.raises(DefinitionError) as caught:
        load_definition(text)
    assert message in caught.value.message
