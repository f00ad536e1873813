"""``credo doctor``: lint the shared files and the environment, and check them against the server.

Each finding is printed with its fix; ``--output json`` gives them to scripts. Errors make the
exit status 1; warnings and notes alone leave it 0.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime

import click

from credo.cli.configure import profile_not_found
from credo.cli.failures import exit_with, guarded
from credo.client.config_files import ConfigFileError
from credo.client.doctor.diagnosis import diagnose
from credo.client.doctor.findings import Finding
from credo.client.keychain import open_keychain
from credo.client.shared_config import load_shared_config

ERRORS_FOUND_EXIT = 1


def _text_report(findings: list[Finding], profiles: int) -> None:
    for finding in findings:
        where = ", ".join(
            part
            for part in (f"profile {finding.profile}" if finding.profile else "", finding.location or "")
            if part
        )
        click.echo(f"{finding.severity.upper():<8} {finding.check}" + (f" ({where})" if where else ""))
        click.echo(f"         {finding.message}")
        if finding.fix:
            click.echo(f"         fix: {finding.fix}")
    counts = {
        severity: sum(f.severity == severity for f in findings) for severity in ("error", "warning", "note")
    }
    if not findings:
        click.echo(f"No problems found ({profiles} profile{'s' if profiles != 1 else ''} checked).")
        return
    click.echo(
        ", ".join(f"{count} {name}{'s' if count != 1 else ''}" for name, count in counts.items()) + "."
    )


@click.command("doctor")
@click.option("--profile", default=None, metavar="NAME", help="Check this profile (and its sources) only.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def doctor_command(profile: str | None, output: str) -> None:
    """Check ~/.aws/config, ~/.aws/credentials and the environment; print each problem and its fix."""
    try:
        shared = load_shared_config()
    except ConfigFileError as error:
        findings = [Finding("error", "parse", str(error), "correct that line", None, error.path)]
        profiles = 0
    else:
        if profile is not None and shared.profile(profile) is None:
            exit_with(profile_not_found(profile))
        findings = diagnose(shared, os.environ, profile, datetime.now(UTC), open_keychain)
        profiles = 1 if profile else len(shared.profile_names())
    if output == "json":
        document = {
            "Findings": [asdict(finding) for finding in findings],
            "Errors": sum(finding.severity == "error" for finding in findings),
            "Warnings": sum(finding.severity == "warning" for finding in findings),
        }
        click.echo(json.dumps(document, indent=2))
    else:
        _text_report(findings, profiles)
    if any(finding.severity == "error" for finding in findings):
        raise click.exceptions.Exit(ERRORS_FOUND_EXIT)
