"""``credo serve --certfile/--keyfile``: https for the API and the console, whose cookies become Secure."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import boto3
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import NO_RETRIES, POSTGRES_URL, REGION, start_server, stop_server
from tests.console.conftest import USER_PASSWORD, console_user, sign_in
from tests.server.test_bootstrap import run_credo


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate it signed for 127.0.0.1 and localhost: (ca, cert, key) PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("credo test CA"))
        .issuer_name(_name("credo test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    paths[2].chmod(0o600)
    return paths


def test_https_api_and_secure_console_cookies(tmp_path: Path, store_kind: str) -> None:
    """boto3 verifying against the CA calls the API over https; the console's cookies carry Secure."""
    ca, cert, key = make_certificates(tmp_path)
    database = POSTGRES_URL if store_kind == "postgresql" else None
    server = start_server(
        tmp_path,
        "--dev",
        "--data-dir",
        str(tmp_path / "data"),
        "--certfile",
        str(cert),
        "--keyfile",
        str(key),
        database_url=database,
    )
    try:
        endpoint = server.endpoint.replace("http://", "https://")
        assert f"credo listening on {endpoint}" in server.log()

        def client(service: str) -> object:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                aws_access_key_id="test",
                aws_secret_access_key="test",
                region_name=REGION,
                config=NO_RETRIES,
                verify=str(ca),
            )

        assert client("sts").get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"  # type: ignore[attr-defined]
        console_user(client("iam"), "alice")
        trust = ssl.create_default_context(cafile=str(ca))
        with httpx.Client(base_url=endpoint, verify=trust, timeout=30) as browser:
            form = browser.get("/signin", params={"account": "123456789012"})
            assert "; secure" in form.headers["set-cookie"].lower()
            signed_in = sign_in(browser, "123456789012", "alice", USER_PASSWORD)
            assert signed_in.status_code == 303
            session_cookie = next(
                value
                for value in signed_in.headers.get_list("set-cookie")
                if value.startswith("credo-console=")
            )
            assert "; secure" in session_cookie.lower() and "; httponly" in session_cookie.lower()
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the CA refuses it
            httpx.get(f"{endpoint}/healthz", timeout=30)
        # The dev store may be PostgreSQL's shared test database: leave it as found.
        httpx.post(f"{endpoint}/_credo/reset", verify=trust, timeout=30).raise_for_status()
    finally:
        stop_server(server)


def test_certfile_needs_keyfile(tmp_path: Path) -> None:
    """--certfile without --keyfile is a usage error, before anything starts."""
    _, cert, _ = make_certificates(tmp_path)
    result = run_credo("serve", "--dev", "--port", "1", "--certfile", str(cert))
    assert result.returncode == 2
    assert "--certfile and --keyfile" in result.stderr


def test_tls_at_a_trusted_proxy(tmp_path: Path) -> None:
    """Behind a trusted proxy that says X-Forwarded-Proto: https, console cookies are Secure; without it they are not."""
    server = start_server(tmp_path, "--dev", env={"CREDO_TRUSTED_PROXY_DEPTH": "1"})
    try:
        through_tls = httpx.get(
            f"{server.endpoint}/signin",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            timeout=30,
        )
        plain = httpx.get(f"{server.endpoint}/signin", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=30)
        assert "; secure" in through_tls.headers["set-cookie"].lower()
        assert "; secure" not in plain.headers["set-cookie"].lower()
    finally:
        stop_server(server)
    untrusted = start_server(tmp_path, "--dev")
    try:
        claimed = httpx.get(
            f"{untrusted.endpoint}/signin", headers={"X-Forwarded-Proto": "https"}, timeout=30
        )
        assert "; secure" not in claimed.headers["set-cookie"].lower()  # no trusted proxy: not believed
    finally:
        stop_server(untrusted)
