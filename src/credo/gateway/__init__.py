"""SigV4 authentication and IAM decisions for other services: service definitions, the decision
endpoint, nginx's auth_request mode, and ASGI/WSGI middleware (docs/authorizer.md)."""
