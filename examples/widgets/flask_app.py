"""The widgets example as a Flask (WSGI) app behind ``CredoWSGIMiddleware``.

``WIDGETS_GUARD=local`` (the store, from the ``CREDO_*`` settings) or ``remote``
(``CREDO_ENDPOINT_URL`` and the service's own credo key):

    WIDGETS_GUARD=local flask --app examples/widgets/flask_app.py run --port 8081
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request

from credo.gateway.wsgi import CredoWSGIMiddleware

app = Flask(__name__)
WIDGETS: dict[str, dict[str, Any]] = {}


def caller() -> str:
    return str(request.environ["credo.principal"].arn)


@app.get("/widgets")
def list_widgets() -> Any:
    return jsonify(widgets=sorted(WIDGETS), caller=caller())


@app.get("/widgets/<widget_id>")
def get_widget(widget_id: str) -> Any:
    return jsonify(widget=WIDGETS.get(widget_id, {"id": widget_id}), caller=caller())


@app.put("/widgets/<widget_id>")
def put_widget(widget_id: str) -> Any:
    WIDGETS[widget_id] = {"id": widget_id, "body": request.get_data(as_text=True)}
    return jsonify(widget=WIDGETS[widget_id], caller=caller())


@app.delete("/widgets/<widget_id>")
def delete_widget(widget_id: str) -> Any:
    WIDGETS.pop(widget_id, None)
    return jsonify(deleted=widget_id, caller=caller())


@app.post("/widgets/<widget_id>/tags")
def tag_widget(widget_id: str) -> Any:
    return jsonify(tagged=widget_id, caller=caller())


app.wsgi_app = CredoWSGIMiddleware(  # type: ignore[method-assign]
    app.wsgi_app, service="widgets", mode="remote" if os.environ.get("WIDGETS_GUARD") == "remote" else "local"
)
