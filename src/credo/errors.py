"""Every error credo answers with, one class per AWS error code.

The tree::

    AwsError                      code, HTTP status, sender/receiver fault, message, detail
    ├── (protocol)   InvalidAction, MissingAction, ValidationError, MissingParameter,
    │                InvalidParameterValue, InvalidParameterCombination, MalformedQueryString
    ├── (signature)  MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId,
    │                SignatureDoesNotMatch, ExpiredToken, AccessDenied
    ├── (IAM)        NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded,
    │                InvalidInput, MalformedPolicyDocument, PasswordPolicyViolation, ...
    ├── (JSON)       ValidationException, ResourceNotFoundException, ConflictException,
    │                ServiceQuotaExceededException, SerializationException, … (sso-admin, identitystore)
    ├── (CloudTrail) InvalidLookupAttributesException, InvalidTimeRangeException,
    │                InvalidMaxResultsException, InvalidNextTokenException, … (LookupEvents)
    ├── (REST-JSON)  OidcError, PortalError: in ``credo.rest_json_errors`` (sso-oidc, the sso portal)
    └── ServiceFailure            the only 500: something broke on our side

Errors are raised where they are found and rendered once, in ``credo.protocol.xml`` (Query) or
``credo.protocol.json`` (JSON 1.1, which also renames the Query codes JSON services spell
otherwise: ``AccessDenied`` is ``AccessDeniedException`` there) or ``credo.protocol.rest_json``
(sso-oidc and the sso portal). Messages never carry a secret.
"""

from __future__ import annotations

from typing import ClassVar


class AwsError(Exception):
    """An error answered to the client in AWS's Query-protocol error format."""

    code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 400
    sender_fault: ClassVar[bool] = True
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        # credo's own explanation (where and why), sent as <Detail> beside AWS's exact Message.
        self.detail = detail
        super().__init__(self.message)

    def __repr__(self) -> str:
        if self.detail is not None:
            return f"{type(self).__name__}({self.message!r}, detail={self.detail!r})"
        return f"{type(self).__name__}({self.message!r})"


# --- protocol -------------------------------------------------------------------------------


class InvalidAction(AwsError):
    code = "InvalidAction"


class MissingAction(AwsError):
    code = "MissingAction"
    default_message = "Missing Action"


class ValidationError(AwsError):
    code = "ValidationError"


class MissingParameter(AwsError):
    code = "MissingParameter"


class InvalidParameterValue(AwsError):
    code = "InvalidParameterValue"


class InvalidParameterCombination(AwsError):
    code = "InvalidParameterCombination"


class MalformedQueryString(AwsError):
    code = "MalformedQueryString"
    status = 404


# --- signature and identity -----------------------------------------------------------------


class MissingAuthenticationToken(AwsError):
    code = "MissingAuthenticationToken"
    status = 403
    default_message = "Request is missing Authentication Token"


class IncompleteSignature(AwsError):
    code = "IncompleteSignature"
    status = 403


class InvalidClientTokenId(AwsError):
    code = "InvalidClientTokenId"
    status = 403
    default_message = "The security token included in the request is invalid."


class SignatureDoesNotMatch(AwsError):
    code = "SignatureDoesNotMatch"
    status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


class ExpiredToken(AwsError):
    code = "ExpiredToken"
    status = 403
    default_message = "The security token included in the request is expired"


class AccessDenied(AwsError):
    code = "AccessDenied"
    status = 403

    def __init__(
        self, message: str | None = None, encoded_message: str | None = None, *, detail: str | None = None
    ) -> None:
        super().__init__(message, detail=detail)
        # Why, sealed: only callers allowed sts:DecodeAuthorizationMessage can read it.
        self.encoded_message = encoded_message


# --- IAM and STS ----------------------------------------------------------------------------


class NoSuchEntity(AwsError):
    code = "NoSuchEntity"
    status = 404


class EntityAlreadyExists(AwsError):
    code = "EntityAlreadyExists"
    status = 409


class DeleteConflict(AwsError):
    code = "DeleteConflict"
    status = 409


class LimitExceeded(AwsError):
    code = "LimitExceeded"
    status = 409


class InvalidInput(AwsError):
    code = "InvalidInput"


class MalformedPolicyDocument(AwsError):
    """AWS's fixed message for the first rule a document breaks; ``detail`` says where and why."""

    code = "MalformedPolicyDocument"


class PasswordPolicyViolation(AwsError):
    code = "PasswordPolicyViolation"


class EntityTemporarilyUnmodifiable(AwsError):
    code = "EntityTemporarilyUnmodifiable"
    status = 409


class InvalidAuthenticationCode(AwsError):
    code = "InvalidAuthenticationCode"
    status = 403


class PackedPolicyTooLarge(AwsError):
    code = "PackedPolicyTooLarge"


class RegionDisabled(AwsError):
    code = "RegionDisabledException"
    status = 403


class ConcurrentModification(AwsError):
    code = "ConcurrentModification"
    status = 409


class UnmodifiableEntity(AwsError):
    code = "UnmodifiableEntity"


class ReportNotPresent(AwsError):
    code = "ReportNotPresent"
    status = 410


class CredentialReportExpired(AwsError):
    code = "ReportExpired"
    status = 410


class InvalidAuthorizationMessage(AwsError):
    code = "InvalidAuthorizationMessageException"


# --- federation (AssumeRoleWithSAML, AssumeRoleWithWebIdentity) ------------------------------


class InvalidIdentityToken(AwsError):
    code = "InvalidIdentityToken"


class IDPRejectedClaim(AwsError):
    code = "IDPRejectedClaim"
    status = 403


class ExpiredTokenException(AwsError):
    """An expired SAML assertion or web identity token (not ExpiredToken: that is a session's)."""

    code = "ExpiredTokenException"


class IDPCommunicationError(AwsError):
    code = "IDPCommunicationError"


class ServiceFailure(AwsError):
    """Our fault, never the client's; the message never carries internal details."""

    code = "ServiceFailure"
    status = 500
    sender_fault = False
    default_message = "An internal error occurred. Please try again later."


class InvalidUserType(AwsError):
    code = "InvalidUserType"


class PolicyNotAttachable(AwsError):
    code = "PolicyNotAttachable"


class InvalidPublicKey(AwsError):
    code = "InvalidPublicKey"


class UnrecognizedPublicKeyEncoding(AwsError):
    code = "UnrecognizedPublicKeyEncoding"


class DuplicateSSHPublicKey(AwsError):
    code = "DuplicateSSHPublicKey"


class MalformedCertificate(AwsError):
    code = "MalformedCertificate"


class InvalidCertificate(AwsError):
    code = "InvalidCertificate"


class DuplicateCertificate(AwsError):
    code = "DuplicateCertificate"
    status = 409


class KeyPairMismatch(AwsError):
    code = "KeyPairMismatch"


# --- account settings, Organizations, outbound federation -----------------------------------


class OrganizationNotFound(AwsError):
    code = "OrganizationNotFoundException"
    default_message = "The request was rejected because no organization is associated with your account."


class FeatureEnabled(AwsError):
    code = "FeatureEnabled"
    status = 409


class FeatureDisabled(AwsError):
    code = "FeatureDisabled"
    status = 404


# --- transport --------------------------------------------------------------------------------


class MethodNotAllowed(AwsError):
    """An HTTP method other than GET or POST on the Query endpoint (S3's code and message:
    AWS documents none for the Query services)."""

    code = "MethodNotAllowed"
    status = 405
    default_message = "The specified method is not allowed against this resource."


# --- paths other than the Query endpoint ------------------------------------------------------


class UnknownOperationException(AwsError):
    """A request to a path that is no endpoint. AWS's front end answers these 404 with this code
    (as a bare ``<UnknownOperationException/>`` element, in which botocore finds no code at all);
    credo sends it in the ErrorResponse shape every Query client parses."""

    code = "UnknownOperationException"
    status = 404
    default_message = "No operation is served at this path; IAM and STS answer at /."


# --- JSON services (sso-admin, identitystore) -------------------------------------------------


class JsonServiceError(AwsError):
    """An error of the JSON 1.1 services: ``fields`` are the error shape's extra members
    (identitystore's ``ResourceType`` and ``ResourceId``, a ``Reason``), sent beside the message."""

    def __init__(self, message: str | None = None, *, detail: str | None = None, **fields: str) -> None:
        super().__init__(message, detail=detail)
        self.fields = fields


class ValidationException(JsonServiceError):
    code = "ValidationException"


class ResourceNotFoundException(JsonServiceError):
    code = "ResourceNotFoundException"


class ConflictException(JsonServiceError):
    code = "ConflictException"


class ServiceQuotaExceededException(JsonServiceError):
    code = "ServiceQuotaExceededException"


class AccessDeniedException(JsonServiceError):
    code = "AccessDeniedException"


class SerializationException(JsonServiceError):
    """A body that is not JSON, or a member of the wrong JSON type."""

    code = "SerializationException"


class UnknownOperation(JsonServiceError):
    """An ``X-Amz-Target`` that names no operation credo serves (AWS's code, HTTP 400)."""

    code = "UnknownOperationException"


# --- CloudTrail (LookupEvents) --------------------------------------------------------------


class InvalidLookupAttributesException(JsonServiceError):
    code = "InvalidLookupAttributesException"


class InvalidTimeRangeException(JsonServiceError):
    code = "InvalidTimeRangeException"


class InvalidMaxResultsException(JsonServiceError):
    code = "InvalidMaxResultsException"


class InvalidNextTokenException(JsonServiceError):
    code = "InvalidNextTokenException"


class InvalidEventCategoryException(JsonServiceError):
    code = "InvalidEventCategoryException"
