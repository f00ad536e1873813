"""The trivial ASGI app served as ``credo serve`` serves credo: its uvicorn options and its HTTP
protocol (request deadlines on one sweeping timer, each answer in one write).

``benchmarks/trivial_asgi.py`` under plain uvicorn is the ceiling of the stock stack; this is the
ceiling of credo's own, so that an endpoint's share of it counts only the endpoint's work::

    python -m benchmarks.trivial_on_credo_stack PORT
"""

from __future__ import annotations

import sys

from benchmarks import trivial_asgi
from credo.server.uvicorn_server import serve_app, uvicorn_options
from credo.settings import Settings


def main() -> None:
    options = uvicorn_options(Settings(host="127.0.0.1", port=int(sys.argv[1])))
    serve_app(trivial_asgi.app, options)


if __name__ == "__main__":
    main()
