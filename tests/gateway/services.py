"""The example service and nginx in front of it, as real processes on loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).parents[2]
NGINX = "/usr/sbin/nginx"
GATEWAY_SECRET = "test-gateway-secret-0123456789abcdef"

# The configuration docs/authorizer.md shows, with the ports and paths of one test run.
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    server {{
        listen 127.0.0.1:{port};

        location / {{
            auth_request /_credo_auth;
            # credo's answer: who is calling (to the service), or why not (to the client).
            auth_request_set $credo_arn $upstream_http_x_credo_principal_arn;
            auth_request_set $credo_account $upstream_http_x_credo_account;
            auth_request_set $credo_user_id $upstream_http_x_credo_user_id;
            auth_request_set $credo_error $upstream_http_x_credo_error;
            auth_request_set $credo_reason $upstream_http_x_credo_reason;
            add_header X-Credo-Error $credo_error always;
            add_header X-Credo-Reason $credo_reason always;
            proxy_set_header X-Credo-Principal-Arn $credo_arn;
            proxy_set_header X-Credo-Account $credo_account;
            proxy_set_header X-Credo-User-Id $credo_user_id;
            proxy_set_header Host $http_host;
            proxy_pass http://127.0.0.1:{app_port};
        }}

        location = /_credo_auth {{
            internal;
            proxy_pass {credo}/_credo/authorize/nginx;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Content-Length $content_length;
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Credo-Service widgets;
            proxy_set_header X-Credo-Gateway-Secret "{secret}";
            proxy_set_header Host $http_host;
        }}
    }}
}}
"""


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"did not start:\n{log.read_text(errors='replace')}")


@contextmanager
def running(command: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        wait_for_port(port, process, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def widgets_app(tmp: Path, guard: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The example service on a free port; its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "examples" / "widgets"), "app:app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with running(command, port, tmp / f"widgets-{guard}.log", {"WIDGETS_GUARD": guard, **(env or {})}):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def nginx(tmp: Path, app_url: str, credo_url: str) -> Iterator[str]:
    """nginx on a free port, asking ``credo_url`` before proxying to ``app_url``; its base URL."""
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            tmp=tmp, port=port, app_port=app_url.rsplit(":", 1)[1], credo=credo_url, secret=GATEWAY_SECRET
        )
    )
    with running([NGINX, "-c", str(conf), "-p", str(tmp)], port, tmp / "nginx.log"):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def widgets_flask_app(tmp: Path, guard: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The Flask example (WSGI middleware) on werkzeug's server; its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "flask", "--app", str(ROOT / "examples" / "widgets" / "flask_app.py"),
        "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger",
    ]  # fmt: skip
    with running(command, port, tmp / f"flask-{guard}.log", {"WIDGETS_GUARD": guard, **(env or {})}):
        yield f"http://127.0.0.1:{port}"
