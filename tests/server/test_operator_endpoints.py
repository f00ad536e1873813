"""``/healthz``, ``/readyz`` and ``/metrics``: what a load balancer and Prometheus get, and who may read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from credo.store.db import normalize_url
from tests.conftest import POSTGRES_URL, Server, start_server, stop_server
from tests.console.conftest import console_user, sign_in
from tests.server.test_bootstrap import fresh_database

SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request"}


def scrape(
    endpoint: str, headers: dict[str, str] | None = None
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``, by name and sorted labels."""
    response = httpx.get(f"{endpoint}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_health_and_readiness(server: Server) -> None:
    """/healthz says the process is up, /readyz that the store answers at the current schema; both plain text."""
    health = httpx.get(f"{server.endpoint}/healthz", timeout=30)
    assert (health.status_code, health.text) == (200, "ok\n")
    ready = httpx.get(f"{server.endpoint}/readyz", timeout=30)
    assert (ready.status_code, ready.text) == (200, "ready\n")
    assert ready.headers["content-type"].startswith("text/plain")
    assert len(ready.headers["x-amzn-requestid"]) == 36


@pytest.mark.parametrize(
    ("method", "status", "code"), [("POST", 405, "MethodNotAllowed"), ("DELETE", 405, "MethodNotAllowed")]
)
def test_operator_paths_keep_aws_errors_for_other_methods(
    server: Server, method: str, status: int, code: str
) -> None:
    """An API client using another method on these paths gets AWS's XML error, as on any path."""
    for path in ("/healthz", "/readyz", "/metrics"):
        response = httpx.request(method, f"{server.endpoint}{path}", headers=SIGNED, timeout=30)
        assert response.status_code == status
        assert f"<Code>{code}</Code>" in response.text


def _set_schema_revision(url: str, revision: str) -> str:
    """Write ``revision`` as the store's schema version; the one it replaced."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as conn:
            before = str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one())
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    finally:
        engine.dispose()
    return before


def test_readiness_names_a_schema_out_of_date(tmp_path: Path, store_kind: str) -> None:
    """A store whose schema is not the one this server needs is not ready: 503 with the reason, then 200 again."""
    with fresh_database(store_kind, tmp_path) as where:
        if "--data-dir" not in where:
            where = [*where, "--data-dir", str(tmp_path / "data")]
        server = start_server(tmp_path, *where, "--workers", "1")  # one process: the schema moves under it
        try:
            url = (
                where[where.index("--database-url") + 1]
                if "--database-url" in where
                else f"sqlite:///{Path(where[where.index('--data-dir') + 1]) / 'credo.sqlite3'}"
            )
            current = _set_schema_revision(url, "0001_older")
            stale = httpx.get(f"{server.endpoint}/readyz", timeout=30)
            assert stale.status_code == 503
            assert stale.text == (
                f"not ready: the store's schema is at revision 0001_older, this server needs {current} "
                "(run `credo db upgrade`, or upgrade this server)\n"
            )
            _set_schema_revision(url, current)
            assert httpx.get(f"{server.endpoint}/readyz", timeout=30).status_code == 200
            assert httpx.get(f"{server.endpoint}/healthz", timeout=30).status_code == 200
        finally:
            stop_server(server)


@pytest.mark.skipif(not POSTGRES_URL, reason="no PostgreSQL: set CREDO_TEST_DATABASE_URL")
def test_readiness_when_the_database_is_gone(tmp_path: Path) -> None:
    """A PostgreSQL store that cannot be reached makes /readyz 503 (the error's type only); /healthz stays 200."""
    with fresh_database("postgresql", tmp_path) as where:
        where = [*where, "--data-dir", str(tmp_path / "data")]
        server = start_server(tmp_path, *where)
        url = make_url(where[where.index("--database-url") + 1])
        admin = create_engine(normalize_url(str(POSTGRES_URL)), isolation_level="AUTOCOMMIT")
        moved = f"{url.database}_moved"
        try:
            assert httpx.get(f"{server.endpoint}/readyz", timeout=30).status_code == 200
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (url.database,),
                )
                conn.exec_driver_sql(f'ALTER DATABASE "{url.database}" RENAME TO "{moved}"')
            gone = httpx.get(f"{server.endpoint}/readyz", timeout=30)
            assert gone.status_code == 503
            assert gone.text == "not ready: the store is unreachable (OperationalError)\n"
            assert str(url.database) not in gone.text
            assert httpx.get(f"{server.endpoint}/healthz", timeout=30).status_code == 200
            with admin.connect() as conn:
                conn.exec_driver_sql(f'ALTER DATABASE "{moved}" RENAME TO "{url.database}"')
            assert httpx.get(f"{server.endpoint}/readyz", timeout=30).status_code == 200
        finally:
            stop_server(server)
            admin.dispose()


def test_metrics_are_loopback_only_by_default(server: Server) -> None:
    """By default /metrics answers a loopback peer, but not a request a proxy passed on (X-Forwarded-For)."""
    assert scrape(server.endpoint)  # a loopback peer
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        refused = httpx.get(f"{server.endpoint}/metrics", headers=header, timeout=30)
        assert refused.status_code == 403
        assert "CREDO_METRICS=loopback" in refused.text


@pytest.mark.parametrize("access", ["public", "off"])
def test_metrics_setting(tmp_path: Path, access: str) -> None:
    """CREDO_METRICS=public serves anyone; off serves nothing there: API clients get AWS's XML 404."""
    server = start_server(tmp_path, "--dev", env={"CREDO_METRICS": access})
    try:
        proxied = httpx.get(
            f"{server.endpoint}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30
        )
        signed = httpx.get(f"{server.endpoint}/metrics", headers=SIGNED, timeout=30)
        if access == "public":
            assert proxied.status_code == 200 and "credo_requests_total" in proxied.text
        else:
            assert proxied.status_code == 404 and proxied.text == "Not Found: IAM and STS answer at /\n"
            assert signed.status_code == 404 and "<Code>UnknownOperationException</Code>" in signed.text
    finally:
        stop_server(server)


def test_bad_metrics_setting_is_refused(tmp_path: Path) -> None:
    """A CREDO_METRICS value that is not one of the three stops the start with a clear line."""
    from tests.server.test_bootstrap import run_credo

    result = run_credo("serve", "--dev", "--port", "1", env={"CREDO_METRICS": "everyone"})
    assert result.returncode != 0
    assert "CREDO_METRICS must be one of loopback, public, off, not 'everyone'" in result.stderr


def test_metrics_count_console_requests_decisions_and_sign_ins(
    server: Server, iam: Any, make_user: Any
) -> None:
    """Console pages by route and status, authorization decisions, sign-in failures and cache lookups are counted."""
    before = scrape(server.endpoint)
    console_user(iam, "alice")
    with httpx.Client(base_url=server.endpoint, timeout=30) as browser:
        refused = sign_in(browser, "123456789012", "alice", "Wrong-Password-1")
        assert refused.status_code == 401
    _, client = make_user("bob")
    with pytest.raises(Exception, match="AccessDenied"):
        client("iam").list_users()
    assert client("sts").get_caller_identity()["Arn"].endswith(":user/bob")
    after = scrape(server.endpoint)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("credo_requests_total", service="iam", action="ListUsers", status="403") == 1
    assert grew("credo_requests_total", service="sts", action="GetCallerIdentity", status="200") == 1
    assert grew("credo_request_duration_seconds_count", service="iam", action="CreateAccessKey") == 1
    assert grew("credo_console_sign_in_attempts_total", outcome="failure") == 1
    assert grew("credo_requests_total", service="console", action="/signin", status="200") == 1  # the form
    assert grew("credo_requests_total", service="console", action="/signin", status="401") == 1  # refused
    assert grew("credo_request_duration_seconds_count", service="console", action="/signin") >= 2
    assert grew("credo_authorization_decisions_total", decision="deny") == 1
    assert grew("credo_authorization_decisions_total", decision="allow") >= 3  # root's calls, bob's identity
    assert grew("credo_cache_lookups_total", cache="credentials", result="miss") >= 1
    assert grew("credo_cache_lookups_total", cache="policies", result="miss") >= 1
    assert sample(after, "credo_store_pool_size") >= 1
    assert ("credo_audit_events_pending", ()) in after
    assert after[("credo_audit_events_dropped_total", ())] == 0
    assert ("process_resident_memory_bytes", ()) in after


def test_refused_api_calls_are_counted_without_growing_the_labels(server: Server) -> None:
    """An unknown key is counted under the action it named; an action credo does not serve, as "unknown"."""
    before = scrape(server.endpoint)
    with pytest.raises(Exception, match="InvalidClientTokenId"):
        server.client("sts", "AKIANOSUCHKEY0000000", "secret").get_caller_identity()
    junk = httpx.post(
        server.endpoint, data={"Action": "NoSuchThing-" + "x" * 40, "Version": "2010-05-08"}, timeout=30
    )
    assert junk.status_code in {400, 403}
    after = scrape(server.endpoint)
    grown = {
        key: value - before.get(key, 0.0) for key, value in after.items() if value != before.get(key, 0.0)
    }
    assert (
        grown[
            ("credo_requests_total", (("action", "GetCallerIdentity"), ("service", "sts"), ("status", "403")))
        ]
        == 1
    )
    assert (
        grown[
            (
                "credo_requests_total",
                (("action", "unknown"), ("service", "iam"), ("status", str(junk.status_code))),
            )
        ]
        == 1
    )
    assert not any("NoSuchThing" in str(key) for key in after)


def test_request_ids_reach_console_responses(server: Server) -> None:
    """Console pages carry an x-amzn-RequestId of their own, like the API's answers."""
    first = httpx.get(f"{server.endpoint}/signin", timeout=30).headers["x-amzn-requestid"]
    second = httpx.get(f"{server.endpoint}/signin", timeout=30).headers["x-amzn-requestid"]
    assert first != second and len(first) == 36


def test_rest_json_operations_are_counted_by_operation(server: Server) -> None:
    """The sso-oidc REST endpoint is counted under its service and operation, and answers with the request's id."""
    before = scrape(server.endpoint)
    oidc = boto3.client("sso-oidc", endpoint_url=server.endpoint, region_name="us-east-1")
    answer = oidc.register_client(clientName="metrics-test", clientType="public")
    after = scrape(server.endpoint)
    key = ("credo_requests_total", (("action", "RegisterClient"), ("service", "sso-oidc"), ("status", "200")))
    assert after[key] - before.get(key, 0.0) == 1
    assert len(answer["ResponseMetadata"]["RequestId"]) == 36
