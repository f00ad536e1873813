"""``deploy/credo.service``: systemd accepts it, and its command line starts a working https server."""

from __future__ import annotations

import shlex
import shutil
import signal
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import CREDO, start_server
from tests.server.test_tls import make_certificates

UNIT = Path(__file__).parents[2] / "deploy" / "credo.service"
INSTALLED = "/opt/credo/venv/bin/credo"


def _exec_start() -> list[str]:
    """The unit's ExecStart as arguments (continuation lines joined)."""
    text = UNIT.read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """``systemd-analyze verify`` finds nothing to say (the credo path pointed at this checkout's)."""
    unit = tmp_path / "credo.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED, CREDO))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_the_units_command_line_serves_https(tmp_path: Path) -> None:
    """ExecStart's options, with this machine's paths, start a server that is ready over https and stops cleanly."""
    ca, cert, key = make_certificates(tmp_path)
    substitutions = {
        INSTALLED: CREDO,
        "/var/lib/credo": str(tmp_path / "var-lib-credo"),
        "/etc/credo/tls/fullchain.pem": str(cert),
        "/etc/credo/tls/privkey.pem": str(key),
    }
    arguments = []
    for argument in _exec_start():
        for old, new in substitutions.items():
            argument = argument.replace(old, new)
        arguments.append(argument)
    assert arguments[:2] == [CREDO, "serve"]
    options = arguments[2:]
    # Listening on 0.0.0.0:7300 as the unit says is not for a test: a free loopback port instead.
    for name, value in (("--host", "0.0.0.0"), ("--port", "7300")):
        at = options.index(name)
        assert options[at + 1] == value
        del options[at : at + 2]
    server = start_server(tmp_path, *options)
    try:
        trust = ssl.create_default_context(cafile=str(ca))
        endpoint = server.endpoint.replace("http://", "https://")
        assert httpx.get(f"{endpoint}/readyz", verify=trust, timeout=30).text == "ready\n"
        assert (tmp_path / "var-lib-credo" / "root-credentials").exists()
    finally:
        server.process.send_signal(signal.SIGTERM)
        # Death by SIGTERM after a graceful stop: what systemd counts as a clean exit.
        assert server.process.wait(timeout=45) == -signal.SIGTERM
