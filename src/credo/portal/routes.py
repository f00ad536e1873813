"""The access portal's pages, mounted by ``credo.server.app`` beside the console."""

from __future__ import annotations

from starlette.routing import BaseRoute

from credo.call import Services
from credo.portal.accounts_pages import AccountsPages
from credo.portal.authorize_pages import AuthorizePages
from credo.portal.device_pages import DevicePages
from credo.portal.mfa_pages import MfaDevicePages
from credo.portal.mfa_signin import MfaSignInPages
from credo.portal.saml_signin import SamlSignInPages
from credo.portal.signin_pages import SignInPages
from credo.portal.web import Portal


def portal_pages(services: Services) -> list[BaseRoute]:
    portal = Portal(services)
    accounts = AccountsPages(portal)
    return [
        *SignInPages(portal, accounts.home).routes(),
        *MfaSignInPages(portal).routes(),
        *SamlSignInPages(portal).routes(),
        *MfaDevicePages(portal).routes(),
        *accounts.routes(),
        *DevicePages(portal).routes(),
        *AuthorizePages(portal).routes(),
    ]
