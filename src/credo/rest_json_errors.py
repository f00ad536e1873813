"""The errors of the REST-JSON APIs: sso-oidc (``OidcError``) and the sso portal (``PortalError``).

Rendered by ``credo.protocol.rest_json``: AWS's exception name in ``x-amzn-ErrorType``, and the
body each API's clients read. The Query and JSON 1.1 errors are ``credo.errors``.
"""

from __future__ import annotations

from typing import ClassVar

from credo.errors import AwsError


class OidcError(AwsError):
    """An sso-oidc error: AWS's exception name in ``x-amzn-ErrorType`` (botocore's code), OAuth's
    ``error`` code and the message as ``error_description`` in the body (RFC 6749 section 5.2)."""

    error: ClassVar[str] = "invalid_request"


class InvalidRequestException(OidcError):
    code = "InvalidRequestException"


class InvalidClientException(OidcError):
    code = "InvalidClientException"
    status = 401
    error = "invalid_client"


class InvalidGrantException(OidcError):
    code = "InvalidGrantException"
    error = "invalid_grant"


class UnauthorizedClientException(OidcError):
    code = "UnauthorizedClientException"
    error = "unauthorized_client"


class UnsupportedGrantTypeException(OidcError):
    code = "UnsupportedGrantTypeException"
    error = "unsupported_grant_type"


class InvalidScopeException(OidcError):
    code = "InvalidScopeException"
    error = "invalid_scope"


class InvalidClientMetadataException(OidcError):
    code = "InvalidClientMetadataException"
    error = "invalid_client_metadata"


class InvalidRedirectUriException(OidcError):
    code = "InvalidRedirectUriException"
    error = "invalid_redirect_uri"


class AuthorizationPendingException(OidcError):
    code = "AuthorizationPendingException"
    error = "authorization_pending"


class SlowDownException(OidcError):
    code = "SlowDownException"
    error = "slow_down"


class OidcExpiredTokenException(OidcError):
    code = "ExpiredTokenException"
    error = "expired_token"


class OidcAccessDeniedException(OidcError):
    code = "AccessDeniedException"
    error = "access_denied"


class OidcInternalServerException(OidcError):
    code = "InternalServerException"
    status = 500
    sender_fault = False
    error = "server_error"


class PortalError(AwsError):
    """An error of the sso portal API: the name in ``x-amzn-ErrorType``, ``{"message": …}`` as body."""


class PortalInvalidRequestException(PortalError):
    code = "InvalidRequestException"


class UnauthorizedException(PortalError):
    """A bearer token that is missing, unknown, expired or revoked (botocore's
    ``UnauthorizedSSOTokenError`` when its credential provider meets it)."""

    code = "UnauthorizedException"
    status = 401
    default_message = "Session token not found or invalid"


class ForbiddenException(PortalError):
    """A role the signed-in user is not assigned (AWS's answer, though the model does not list it)."""

    code = "ForbiddenException"
    status = 403
    default_message = "No access"


class PortalResourceNotFoundException(PortalError):
    code = "ResourceNotFoundException"
    status = 404


class PortalInternalServerException(PortalError):
    code = "InternalServerException"
    status = 500
    sender_fault = False
