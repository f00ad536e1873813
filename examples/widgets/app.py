"""The widgets example service: a small Starlette app whose every request credo authorizes.

Run it three ways (docs/authorizer.md):

- behind nginx (``WIDGETS_GUARD=nginx``, the default): nginx asks credo before each request and
  hands the principal over in ``X-Credo-Principal-Arn``; the app checks the body against its
  signed hash (``credo.gateway.payload.body_matches``);
- with the middleware against the store (``WIDGETS_GUARD=local``, with the server's
  ``CREDO_DATABASE_URL``/``CREDO_DATA_DIR`` and master key in the environment);
- with the middleware through the decision endpoint (``WIDGETS_GUARD=remote``, with
  ``CREDO_ENDPOINT_URL`` and the service's own credo key in ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY``).

    uvicorn --app-dir examples/widgets app:app --port 8080
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from credo.gateway.payload import body_matches

WIDGETS: dict[str, dict[str, Any]] = {}


def principal_arn(request: Request) -> str:
    """Who is calling: the middleware's principal, or the header nginx set from credo's answer."""
    principal = request.scope.get("credo.principal")
    if principal is not None:
        return str(principal.arn)
    return request.headers.get("x-credo-principal-arn", "")


async def read_body(request: Request) -> bytes | Response:
    body = await request.body()
    if "credo.principal" not in request.scope and not body_matches(request.headers, body):
        return JSONResponse({"error": "the body does not match its signed X-Amz-Content-Sha256"}, 400)
    return body


async def list_widgets(request: Request) -> Response:
    return JSONResponse({"widgets": sorted(WIDGETS), "caller": principal_arn(request)})


async def get_widget(request: Request) -> Response:
    widget_id = request.path_params["widget_id"]
    return JSONResponse(
        {"widget": WIDGETS.get(widget_id, {"id": widget_id}), "caller": principal_arn(request)}
    )


async def put_widget(request: Request) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    widget_id = request.path_params["widget_id"]
    WIDGETS[widget_id] = {"id": widget_id, "body": body.decode("utf-8", "replace")}
    return JSONResponse({"widget": WIDGETS[widget_id], "caller": principal_arn(request)})


async def delete_widget(request: Request) -> Response:
    WIDGETS.pop(request.path_params["widget_id"], None)
    return JSONResponse({"deleted": request.path_params["widget_id"], "caller": principal_arn(request)})


async def tag_widget(request: Request) -> Response:
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    return JSONResponse({"tagged": request.path_params["widget_id"], "caller": principal_arn(request)})


def create_app(guard: str) -> ASGIApp:
    app = Starlette(
        routes=[
            Route("/widgets", list_widgets, methods=["GET"]),
            Route("/widgets/{widget_id}", get_widget, methods=["GET"]),
            Route("/widgets/{widget_id}", put_widget, methods=["PUT"]),
            Route("/widgets/{widget_id}", delete_widget, methods=["DELETE"]),
            Route("/widgets/{widget_id}/tags", tag_widget, methods=["POST"]),
        ]
    )
    if guard == "nginx":
        return app
    from credo.gateway.middleware import CredoMiddleware

    return CredoMiddleware(app, service="widgets", mode=guard)


app = create_app(os.environ.get("WIDGETS_GUARD", "nginx"))
