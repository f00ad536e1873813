"""What the route walk needs: the console's route table, a crawler, form and label readers, and a
snapshot of the store to prove a refused request changed nothing."""

from __future__ import annotations

import secrets
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import lxml.html
from sqlalchemy import create_engine, select
from starlette.routing import Route

from credo.console.routes import console_routes
from credo.server.bootstrap import effective_settings, open_services
from credo.settings import Settings
from credo.store.db import normalize_url
from credo.store.schema import metadata

# Written behind the requests, in batches flushed every few seconds (the audit trail, who last
# used which service and key), or by every request (when a session was last seen).
_MOVING_TABLES = {"audit_events", "audit_event_resources", "service_last_accessed"}
_MOVING_COLUMNS = {
    ("console_sessions", "last_seen_at"),
    ("access_keys", "last_used_at"),
    ("access_keys", "last_used_service"),
    ("access_keys", "last_used_region"),
}
_UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
_PER_KIND = 4  # crawled URLs per route (and tab): enough for each page's shapes, not every policy


def route_table(data_dir: Path) -> list[Route]:
    """The console's routes exactly as ``credo serve`` mounts them (built on a store of their own)."""
    services, _ = open_services(effective_settings(Settings(dev=True, data_dir=data_dir)))
    try:
        return [route for route in console_routes(services) if isinstance(route, Route)]
    finally:
        services.store.dispose()


def route_of(routes: list[Route], path: str, method: str = "GET") -> Route | None:
    """The route Starlette would pick for ``method`` on ``path``: the first that matches both."""
    for route in routes:
        if method in (route.methods or ()) and route.path_regex.match(path):
            return route
    return None


def new_token() -> str:
    return secrets.token_hex(32)


@dataclass
class Form:
    """A ``method=post`` form as a browser would submit it unchanged (the first button pressed)."""

    action: str
    fields: dict[str, str]


@dataclass
class Crawl:
    """Every page reached, the POST forms found on them, and one concrete value per path parameter."""

    pages: dict[str, httpx.Response] = field(default_factory=dict)
    forms: list[Form] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # "/console/users/{name}" -> "alice"

    def fill(self, template: str) -> str:
        """``template`` with each parameter replaced by a value seen under the same prefix ("x" if none)."""
        filled, rest = "", template
        while "{" in rest:
            before, _, after = rest.partition("{")
            name, _, rest = after.partition("}")
            prefix = f"{filled}{before}{{{name}}}"
            filled += before + self.values.get(_generic(prefix), "x")
        return filled + rest


def _generic(prefix: str) -> str:
    """A prefix's parameters named by position only, so ``{rest:path}`` and ``{name}`` compare by place."""
    parts = [("{}" if part.startswith("{") else part) for part in prefix.split("/")]
    return "/".join(parts)


def crawl(client: httpx.Client, routes: list[Route], seeds: list[str]) -> Crawl:
    """Breadth-first over the console's links from ``seeds``, a few URLs per route and tab."""
    found = Crawl()
    queue, seen, per_kind = deque(seeds), set(seeds), Counter[tuple[str, str]]()
    while queue:
        url = queue.popleft()
        response = client.get(url)
        found.pages[url] = response
        _note_values(found, routes, url)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        document = lxml.html.fromstring(response.text)
        found.forms.extend(_post_forms(document, url))
        for href in document.xpath("//a/@href"):
            target = _local(url, str(href))
            if target is None or target in seen:
                continue
            route = route_of(routes, urlsplit(target).path)
            if route is None:
                continue
            kind = (route.path, parse_qs(urlsplit(target).query).get("tab", [""])[0])
            if per_kind[kind] >= _PER_KIND:
                continue
            per_kind[kind] += 1
            seen.add(target)
            queue.append(target)
    return found


def fetch_unreached(client: httpx.Client, routes: list[Route], found: Crawl) -> None:
    """The console pages no link led to (shown-once results, the not-found page), parameters filled."""
    reached = {id(route_of(routes, urlsplit(url).path)) for url in found.pages}
    for route in routes:
        if route.path.startswith("/console/") and "GET" in (route.methods or ()) and id(route) not in reached:
            url = found.fill(route.path)
            found.pages[url] = client.get(url)


def _local(base: str, href: str) -> str | None:
    """A console link as path and query; None for other sites, static files and fragments."""
    parts = urlsplit(urljoin(f"http://console{base}", href))
    if parts.netloc != "console" or not parts.path.startswith("/console/"):
        return None
    if parts.path.startswith("/console/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _note_values(found: Crawl, routes: list[Route], url: str) -> None:
    path = urlsplit(url).path
    route = route_of(routes, path)
    if route is None or "{" not in route.path:
        return
    template_parts, path_parts = route.path.split("/"), path.split("/")
    for index, part in enumerate(template_parts):
        if part.startswith("{") and index < len(path_parts) and ":path" not in part:
            key = _generic("/".join(template_parts[: index + 1]))
            found.values.setdefault(key, path_parts[index])


def _post_forms(document: Any, url: str) -> list[Form]:
    forms = []
    for form in document.xpath("//form[translate(@method, 'POST', 'post')='post']"):
        action = _local(url, form.get("action") or url) or urlsplit(form.get("action") or "").path
        fields: dict[str, str] = {}
        pressed = False
        for control in form.xpath(".//input|.//select|.//textarea|.//button"):
            name = control.get("name")
            kind = (control.get("type") or "").lower()
            if not name or (kind in {"checkbox", "radio"} and control.get("checked") is None):
                continue
            if control.tag == "button" or kind == "submit":
                if not pressed:
                    fields[name], pressed = control.get("value") or "", True
                continue
            if control.tag == "select":
                chosen = control.xpath(".//option[@selected]") or control.xpath(".//option")
                fields[name] = chosen[0].get("value", chosen[0].text_content()) if chosen else ""
            elif control.tag == "textarea":
                fields[name] = control.text_content()
            else:
                fields[name] = control.get("value") or ""
        forms.append(Form(action, fields))
    return forms


def unlabelled_fields(html: str) -> list[str]:
    """Inputs, selects and text areas a person cannot name: no <label> (for= or around) and no aria-label."""
    document = lxml.html.fromstring(html)
    labelled = {label.get("for") for label in document.iter("label") if label.get("for")}
    missing = []
    for control in document.xpath("//input|//select|//textarea"):
        if control.tag == "input" and (control.get("type") or "text").lower() in _UNLABELLED_TYPES:
            continue
        if control.get("aria-label") or control.get("aria-labelledby"):
            continue
        if (control.get("id") and control.get("id") in labelled) or any(
            ancestor.tag == "label" for ancestor in control.iterancestors()
        ):
            continue
        missing.append(lxml.html.tostring(control, encoding="unicode").strip())
    return missing


def title_of(html: str) -> str:
    return (lxml.html.fromstring(html).findtext(".//title") or "").strip()


def snapshot(database_url: str) -> dict[str, list[str]]:
    """Every row of every table a request could change on purpose (not the audit trail, not last-seen times)."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            state = {}
            for table in metadata.sorted_tables:
                if table.name in _MOVING_TABLES:
                    continue
                columns = [c for c in table.columns if (table.name, c.name) not in _MOVING_COLUMNS]
                state[table.name] = sorted(repr(tuple(row)) for row in conn.execute(select(*columns)))
            return state
    finally:
        engine.dispose()


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]
