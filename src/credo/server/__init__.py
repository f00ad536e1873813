"""The HTTP side: the ASGI app, the Query endpoint, dev-only routes."""
