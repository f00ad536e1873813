"""Sign in at a SAML identity provider's web form and take the ``SAMLResponse`` it posts on.

What saml2aws does with the form-based IdPs (Shibboleth, Keycloak, ADFS's forms page, pysaml2's
example IdP…): open the IdP's sign-in URL for AWS (IdP-initiated), fill the page's form that has
a password field (user name in its text field, hidden fields kept), follow the redirects and
the hidden-field forms that IdPs auto-submit with JavaScript, until a page holds a form with a
``SAMLResponse``. That response is not verified here: STS's ``AssumeRoleWithSAML`` verifies it
against the provider's certificates, which is the check that counts; the client only reads
which roles it offers.

The password goes only to the form that asks for it, by POST, over https (or to a loopback
address); it is never put in a URL, a message or a file.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from credo.client.html_forms import Form, forms_of
from credo.errors import AwsError
from credo.federation.saml import NS, ROLE_ATTRIBUTE, decode_response, parse_response, role_pair

# Pages between the sign-in URL and the SAMLResponse: the form, a consent or relay page or two.
MAX_PAGES = 8
MAX_PAGE_BYTES = 2 * 1024 * 1024
HTTP_TIMEOUT = 30.0
# Names a form's user name field usually has (the first text field is taken otherwise).
USER_FIELD_HINTS = ("user", "login", "email", "principal", "account", "name")


class SamlLoginError(Exception):
    """The sign-in could not finish; the message says at which page and why."""


@dataclass(frozen=True)
class RoleChoice:
    role_arn: str
    provider_arn: str


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_idp_url(url: str) -> None:
    """Refuse a sign-in URL a password should not be sent to: not https, and not loopback."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise SamlLoginError(
        f"The identity provider's URL must be https:// (or http:// on loopback), not {url!r}"
    )


def _fetch(http: httpx.Client, method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response:
    """One page, redirects followed, cut off past ``MAX_PAGE_BYTES``."""
    try:
        request = http.build_request(method, url, data=data)
        response = http.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise SamlLoginError(f"The page at {response.url} is larger than {MAX_PAGE_BYTES} bytes")
        finally:
            response.close()
    except httpx.HTTPError as error:
        raise SamlLoginError(f"Cannot reach the identity provider at {url}: {error}") from None
    if response.status_code >= 400:
        raise SamlLoginError(f"The identity provider answered HTTP {response.status_code} at {response.url}")
    return httpx.Response(
        response.status_code, headers=response.headers, content=bytes(body), request=request
    )


def _submit(http: httpx.Client, form: Form, values: dict[str, str]) -> httpx.Response:
    if form.method == "post":
        return _fetch(http, "POST", form.action, values)
    parts = urlsplit(form.action)
    return _fetch(http, "GET", urlunsplit(parts._replace(query=urlencode(values))))


def _with_credentials(form: Form, username: str, password: str) -> dict[str, str]:
    """The sign-in form's values with the user name and password filled in."""
    if form.method != "post":
        raise SamlLoginError(f"The sign-in form at {form.action} would send the password in its URL (GET)")
    check_idp_url(form.action)
    values = form.values()
    values[form.of_kind("password")[0].name] = password
    candidates = form.of_kind("text", "email")
    hinted = [entry for entry in candidates if any(hint in entry.name.lower() for hint in USER_FIELD_HINTS)]
    if not candidates:
        raise SamlLoginError(f"The sign-in form at {form.action} has no user name field")
    values[(hinted or candidates)[0].name] = username
    return values


def sign_in(idp_url: str, username: str, password: str) -> str:
    """The base64 ``SAMLResponse`` the IdP issues after signing in with ``username`` and ``password``."""
    check_idp_url(idp_url)
    with httpx.Client(follow_redirects=True, max_redirects=10, timeout=HTTP_TIMEOUT) as http:
        page = _fetch(http, "GET", idp_url)
        signed_in = False
        for _ in range(MAX_PAGES):
            forms = forms_of(page.text, str(page.url))
            for form in forms:
                answer = form.named("SAMLResponse")
                if answer is not None and answer.value:
                    return answer.value
            sign_in_form = next((form for form in forms if form.of_kind("password")), None)
            if sign_in_form is not None:
                if signed_in:
                    raise SamlLoginError(
                        f"The identity provider did not accept the user name or password "
                        f"(it asked again, at {page.url})"
                    )
                page = _submit(http, sign_in_form, _with_credentials(sign_in_form, username, password))
                signed_in = True
                continue
            relay = next((form for form in forms if form.inputs and not form.of_kind("text", "email")), None)
            if relay is None:
                raise SamlLoginError(f"The page at {page.url} has neither a sign-in form nor a SAMLResponse")
            page = _submit(http, relay, relay.values())
    raise SamlLoginError(f"No SAMLResponse after {MAX_PAGES} pages of the identity provider")


def role_choices(saml_response: str) -> list[RoleChoice]:
    """The (role, provider) pairs the response's Role attribute offers, in its order, without repeats."""
    try:
        root = parse_response(decode_response(saml_response))
    except AwsError as error:
        raise SamlLoginError(f"The identity provider's SAMLResponse cannot be read: {error.detail}") from None
    path = "saml:Assertion/saml:AttributeStatement/saml:Attribute"
    choices: dict[RoleChoice, None] = {}
    for attribute in root.iterfind(path, NS):
        if attribute.get("Name") != ROLE_ATTRIBUTE:
            continue
        for value in attribute.iterfind("saml:AttributeValue", NS):
            pair = role_pair(value.text or "")
            if pair is not None:
                choices[RoleChoice(*pair)] = None
    if not choices:
        raise SamlLoginError(
            f"The SAMLResponse offers no role: it has no {ROLE_ATTRIBUTE} attribute pairing a role with a provider"
        )
    return list(choices)
