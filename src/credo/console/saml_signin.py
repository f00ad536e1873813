"""SAML sign-in, as AWS's ``signin.aws.amazon.com/saml``: an IdP posts a signed response, the browser lands in the console.

``POST /saml`` takes an IdP-initiated ``SAMLResponse`` (and ``RelayState``). The IdP's form comes
from another site and carries no token of ours: the signed, single-use assertion is the proof,
as at AWS (and the ``SameSite=Lax`` session cookie set on the answer is kept by the browser, since
the POST is a top-level navigation). The response is verified as AssumeRoleWithSAML verifies it
without being used up (``credo.sts.saml_assertions.roles_offered``); one role is taken at once,
several are offered on AWS's role chooser, whose form does carry a CSRF token tied to a
``credo-saml`` cookie. The chosen role is assumed by STS's own AssumeRoleWithSAML operation (so
single use, trust policy, SessionDuration, tags and SourceIdentity apply as at the API) and the
console session acts as its credentials, as a ``/federation`` sign-in does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import anyio.to_thread
from sqlalchemy import Connection, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo.call import Result
from credo.console import calls, sessions, signin
from credo.console.cookies import SAML_COOKIE, SESSION_COOKIE, new_id
from credo.console.federation import safe_destination
from credo.console.signed_out_forms import SignedOutForms
from credo.console.web import SECURITY_HEADERS, Console, forbidden, is_secure, read_form
from credo.errors import AccessDenied, AwsError
from credo.server import unsigned
from credo.store.schema import account_aliases
from credo.sts import role_trust
from credo.sts.saml import NOT_AUTHORIZED
from credo.sts.saml_assertions import Offer, OfferedRole, roles_offered

PATH = "/saml"
CHOOSER_TITLE = "Select a role"
REFUSED_TITLE = "Sign-in failed"
# AWS's sign-in page says this of any response it cannot use.
INVALID_RESPONSE = "Your request included an invalid SAML response. To logout, click here."
# A 100,000-character SAMLResponse, percent-encoded, with the chooser's other fields.
MAX_FORM = 512 * 1024
UNKNOWN_USER = "(saml)"


@dataclass(frozen=True)
class ChooserAccount:
    """One account's entry on the chooser: AWS's "Account: alias (id)", or "Account: id"."""

    label: str
    roles: tuple[OfferedRole, ...]


def sts_message(error: AwsError) -> str:
    """An STS refusal as AWS's sign-in page shows it."""
    return (
        f"{error.message} (Service: AWSSecurityTokenService; Status Code: {error.status}; "
        f"Error Code: {error.code})"
    )


class SamlSignIn:
    """``POST /saml``: the IdP's response, then the role chooser's choice."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.forms = SignedOutForms(console, cookie=SAML_COOKIE, path=PATH, purpose="saml-role-chooser")

    def routes(self) -> list[BaseRoute]:
        return [Route(PATH, self.saml, methods=["POST"])]

    async def saml(self, request: Request) -> Response:
        form = await read_form(request, MAX_FORM)
        encoded, relay_state = form.get("SAMLResponse", ""), form.get("RelayState", "")
        chosen = form.get("roleIndex")
        # The IdP's post carries no token of ours; the chooser's form (the one naming a role) must.
        if chosen is not None and not self.forms.token_ok(request, form):
            return forbidden(self.console)
        services = self.console.services
        try:
            offer = await anyio.to_thread.run_sync(roles_offered, services, encoded, services.clock.now())
        except AwsError as error:
            await self._record(request, None, UNKNOWN_USER, "saml-failure")
            return self._refused(INVALID_RESPONSE, error, 400)
        if chosen is None:
            if len(offer.roles) > 1:
                return await self._chooser(request, encoded, relay_state, offer)
            return await self._sign_in(request, encoded, relay_state, offer.roles[0], offer)
        role = _find(offer, chosen)
        if role is None:
            refusal = AccessDenied(
                NOT_AUTHORIZED, detail=f"The SAML response does not offer the role {chosen[:2048]!r}."
            )
            await self._record(request, None, UNKNOWN_USER, "saml-failure")
            return self._refused(sts_message(refusal), refusal, refusal.status)
        return await self._sign_in(request, encoded, relay_state, role, offer)

    async def _chooser(self, request: Request, encoded: str, relay_state: str, offer: Offer) -> Response:
        services = self.console.services

        def accounts() -> list[ChooserAccount]:
            grouped: dict[str, list[OfferedRole]] = {}
            for role in offer.roles:
                grouped.setdefault(role.account_id, []).append(role)
            with services.store.read() as conn:
                aliases = dict(
                    conn.execute(
                        select(account_aliases.c.account_id, account_aliases.c.alias).where(
                            account_aliases.c.account_id.in_(list(grouped))
                        )
                    ).all()
                )
            return [
                ChooserAccount(
                    f"{aliases[account]} ({account})" if account in aliases else account, tuple(roles)
                )
                for account, roles in grouped.items()
            ]

        return self.forms.render(
            request,
            "saml_chooser.html",
            title=CHOOSER_TITLE,
            accounts=await anyio.to_thread.run_sync(accounts),
            saml_response=encoded,
            relay_state=relay_state,
        )

    async def _sign_in(
        self, request: Request, encoded: str, relay_state: str, role: OfferedRole, offer: Offer
    ) -> Response:
        """AssumeRoleWithSAML as STS serves it, then a console session acting as its credentials."""
        services = self.console.services
        source_ip = self.console.source_ip(request)
        secure = is_secure(request)

        def assume() -> Result:
            params: dict[str, object] = {
                "RoleArn": role.role_arn,
                "PrincipalArn": role.provider_arn,
                "SAMLAssertion": encoded,
            }
            duration = console_duration(self.console, role, offer.duration_limit)
            if duration is not None:
                params["DurationSeconds"] = duration
            return calls.invoke(
                services,
                unsigned.ANONYMOUS,
                "sts",
                "AssumeRoleWithSAML",
                params,
                source_ip=source_ip,
                secure_transport=secure,
            )

        try:
            made = await anyio.to_thread.run_sync(assume)
        except AwsError as error:
            await self._record(request, role.account_id, role.role_arn, "saml-failure")
            return self._refused(sts_message(error), error, error.status)
        old_cookie = self.console.signer.unsign(request.cookies.get(SESSION_COOKIE))
        cookie_id = new_id()
        session_arn = made["AssumedRoleUser"]["Arn"]

        def start() -> None:
            now = services.clock.now()
            with services.store.write_quietly() as conn:
                if old_cookie is not None:
                    sessions.end(conn, sessions.row_key(old_cookie))  # this browser's previous session
                sessions.start_federated(
                    conn,
                    services.keyring,
                    cookie_id,
                    account_id=role.account_id,
                    token=made["Credentials"]["SessionToken"],
                    expires_at=made["Credentials"]["Expiration"],
                    now=now,
                )
                _record_attempt(conn, source_ip, role.account_id, session_arn, "saml-success", now)

        await anyio.to_thread.run_sync(start)
        destination = safe_destination(relay_state, request.url.scheme, request.url.netloc)
        response = RedirectResponse(destination, status_code=303, headers=SECURITY_HEADERS)
        self.console.set_session_cookie(response, request, cookie_id)
        return response

    def _refused(self, message: str, error: AwsError, status: int) -> Response:
        """AWS's sentence, with STS's message and credo's explanation beside it."""
        invalid_response = message == INVALID_RESPONSE
        said = [error.message] if invalid_response else []
        explanation = ": ".join(said + ([error.detail] if error.detail else []))
        return self.console.render(
            "saml_refused.html",
            status=status,
            title=REFUSED_TITLE,
            message=message,
            invalid_response=invalid_response,
            explanation=explanation,
        )

    async def _record(self, request: Request, account_id: str | None, user_name: str, outcome: str) -> None:
        services = self.console.services
        source_ip = self.console.source_ip(request)

        def record() -> None:
            with services.store.write_quietly() as conn:
                _record_attempt(conn, source_ip, account_id, user_name, outcome, services.clock.now())

        await anyio.to_thread.run_sync(record)


def _find(offer: Offer, role_arn: str) -> OfferedRole | None:
    return next((role for role in offer.roles if role.role_arn == role_arn), None)


def _record_attempt(
    conn: Connection, source_ip: str, account_id: str | None, user_name: str, outcome: str, now: datetime
) -> None:
    """A ``sign_in_attempts`` row: the role's account when known, the role session (or role) as the user."""
    signin.record(
        conn,
        account=account_id or "",
        user_name=user_name,
        account_id=account_id,
        source_ip=source_ip,
        outcome=outcome,
        now=now,
    )


def console_duration(console: Console, role: OfferedRole, duration_limit: int | None) -> int | None:
    """DurationSeconds for the console's role session: the assertion's SessionDuration (AWS's
    console session length), cut to the role's maximum; AssumeRoleWithSAML's hour without it."""
    if duration_limit is None:
        return None
    with console.services.store.read() as conn:
        found = role_trust.find_role_by_arn(conn, role.role_arn)
    if found is None:
        return None  # AssumeRoleWithSAML refuses it in its own words
    return min(duration_limit, int(found["max_session_duration"]))
