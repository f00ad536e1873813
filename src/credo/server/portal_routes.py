"""The access portal's routes: the sso-oidc and sso REST-JSON endpoints and the portal's pages."""

from __future__ import annotations

from starlette.routing import BaseRoute

from credo.call import Services
from credo.portal.routes import portal_pages
from credo.server.rest_json_api import rest_json_routes


def portal_routes(services: Services) -> list[BaseRoute]:
    return rest_json_routes(services) + portal_pages(services)
