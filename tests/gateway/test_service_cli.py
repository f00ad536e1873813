"""``credo service put|list|show|remove`` against a store a server is using, and IAM policies
that name a defined service's actions, resources and condition keys."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CREDO, DEV_ACCOUNT, Server
from tests.gateway.test_definitions import EXAMPLE


def credo(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CREDO_")}
    return subprocess.run([CREDO, *args], capture_output=True, text=True, env=clean, timeout=60, check=False)


def test_put_list_show_remove(server: Server, tmp_path: Path) -> None:
    """A definition is stored per scope, versioned on each put, shown as JSON, and removed."""
    url = server.extra["database_url"]
    put = credo("service", "put", str(EXAMPLE), "--database-url", url)
    assert put.returncode == 0, put.stderr
    assert put.stdout.strip() == "widgets: version 1 for every account (5 actions, 5 routes)"
    again = credo("service", "put", str(EXAMPLE), "--account", DEV_ACCOUNT, "--database-url", url)
    assert "version 1 for account 123456789012" in again.stdout
    again = credo("service", "put", str(EXAMPLE), "--global", "--database-url", url)
    assert "version 2 for every account" in again.stdout
    listed = json.loads(credo("service", "list", "--output", "json", "--database-url", url).stdout)
    assert [(row["service"], row["scope"], row["version"]) for row in listed] == [
        ("widgets", "global", 2),
        ("widgets", DEV_ACCOUNT, 1),
    ]
    ambiguous = credo("service", "show", "widgets", "--database-url", url)
    assert ambiguous.returncode == 1
    assert "say which with --account ID or --global" in ambiguous.stderr
    shown = credo("service", "show", "widgets", "--global", "--database-url", url)
    document = json.loads(shown.stdout)
    assert document["routes"][1] == {
        "method": "GET",
        "path": "/widgets/{WidgetId}",
        "action": "GetWidget",
        "resource": "widget",
    }
    # What show prints is a file put takes back.
    (tmp_path / "shown.json").write_text(shown.stdout)
    assert credo("service", "put", str(tmp_path / "shown.json"), "--database-url", url).returncode == 0
    removed = credo("service", "remove", "widgets", "--account", DEV_ACCOUNT, "--database-url", url)
    assert removed.stdout.strip() == "widgets: removed for account 123456789012"
    assert credo("service", "remove", "widgets", "--database-url", url).returncode == 0
    assert credo("service", "list", "--database-url", url).stdout.strip() == "no service definitions"
    gone = credo("service", "show", "widgets", "--database-url", url)
    assert "no service definition for widgets" in gone.stderr


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "service: widgets\nactions:\n  GetWidget: {access: Reed}\n",
            ":3: actions.GetWidget.access: access level",
        ),
        (
            "service: widgets\nactions: {A: Read}\nroutes:\n  - {method: GET, path: /a, action: B}\n",
            ":4: routes[0].action: no action 'B'",
        ),
        ("{not json", ":1: "),
    ],
)
def test_put_refuses_bad_files(server: Server, tmp_path: Path, text: str, shown: str) -> None:
    """A bad file is refused with its name, the line and the path of what is wrong; nothing is stored."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    url = server.extra["database_url"]
    refused = credo("service", "put", str(path), "--database-url", url)
    assert refused.returncode == 1
    assert f"Error: {path}{shown}" in refused.stderr
    assert "no service definitions" in credo("service", "list", "--database-url", url).stdout


def test_put_for_unknown_account(server: Server) -> None:
    """A definition for an account the store does not have is refused."""
    refused = credo(
        "service",
        "put",
        str(EXAMPLE),
        "--account",
        "999999999999",
        "--database-url",
        server.extra["database_url"],
    )
    assert "no account 999999999999 in this store" in refused.stderr


@pytest.mark.parametrize(
    "statement",
    [
        {
            "Effect": "Allow",
            "Action": ["widgets:GetWidget", "widgets:List*"],
            "Resource": "arn:aws:widgets:*:123456789012:widget/*",
        },
        {
            "Effect": "Deny",
            "Action": "widgets:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"widgets:Color": "red"}},
        },
        # An action the definition does not have is accepted, as IAM accepts s3:NoSuchAction.
        {"Effect": "Allow", "Action": "widgets:NoSuchAction", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:NoSuchAction", "Resource": "*"},
    ],
)
def test_policies_name_service_actions(server: Server, iam: Any, statement: dict[str, Any]) -> None:
    """IAM takes policies naming a defined service's actions, ARNs and keys as it takes AWS services'."""
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    created = iam.create_policy(PolicyName="widgets-policy", PolicyDocument=document)
    assert created["Policy"]["Arn"].endswith(":policy/widgets-policy")
