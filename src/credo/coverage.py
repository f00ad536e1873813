"""Write ``docs/api-coverage.md``: every IAM, STS, SSO Admin, Identity Store, SSO OIDC, SSO portal
and CloudTrail operation, and whether credo answers it.

Run ``python -m credo.coverage`` after adding operations; a test fails while the file on
disk differs from what this module generates. The models are botocore's, and a botocore release
now and then adds operations: the document names the version it was generated from, and against
another one only credo's side (the operations it answers) is held to the file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import botocore

from credo.protocol import model
from credo.server.operations import JSON_OPERATIONS, OPERATIONS, REST_JSON_OPERATIONS

SERVICES = {
    "iam": "IAM",
    "sts": "STS",
    "sso-admin": "SSO Admin",
    "identitystore": "Identity Store",
    "sso-oidc": "SSO OIDC",
    "sso": "SSO portal",
    "cloudtrail": "CloudTrail",
}

# Where credo answers differently from AWS on purpose: (where, what credo does, why).
# Everything not listed here follows AWS's documented (or widely recorded) behaviour and text.
DIFFERENCES: tuple[tuple[str, str, str], ...] = (
    (
        "Every error",
        "A `<Detail>` element inside `<Error>`, beside AWS's `<Message>`, says which statement, "
        "field or value is at fault (botocore: `response['Error']['Detail']`).",
        "AWS's message stays exactly AWS's, so tests written against AWS pass; the detail is "
        "credo's extra explanation and appears only where credo has one.",
    ),
    (
        "ChangePassword with a wrong old password",
        "`AccessDenied`: `The old password is incorrect.`",
        "AWS documents the refusal but not its exact text.",
    ),
    (
        "ChangePassword after five wrong old passwords within five minutes",
        "`LimitExceeded`: `Too many wrong passwords for this user; try again in a few minutes.` "
        "(the password is not even checked until the window passes)",
        "AWS documents no such limit; without one, any holder of a user's keys could guess the "
        "console password at full speed.",
    ),
    (
        "IAM calls with GetSessionToken credentials made without MFA",
        "`AccessDenied` naming the action and saying that session credentials require MFA.",
        "AWS documents the rule (no IAM calls without MFA) but not the message.",
    ),
    (
        "Simulate*Policy and GetContextKeysFor*Policy input errors",
        "`InvalidInput` with credo's wording for wildcard action names, context entries of the "
        "wrong type or count, and policy source ARNs that name no user, group or role.",
        "AWS documents the error code but not these messages.",
    ),
    (
        "Request bodies over 1 MiB",
        "`InvalidInput`: `Request body exceeds the maximum of 1048576 bytes.`",
        "A bound on the work one request can cost; AWS's front end has its own, undocumented limits.",
    ),
    (
        "Paging markers",
        "Opaque tokens of credo's own; one credo did not issue is `InvalidInput`: `Invalid Marker.`",
        "AWS's markers are opaque too; only their text differs.",
    ),
    (
        "Eventual consistency",
        "A change is visible to the next request, on every server process sharing the store.",
        "AWS documents that IAM changes may take time to propagate; nothing relies on the delay.",
    ),
    (
        "CreateSAMLProvider and UpdateSAMLProvider with unusable metadata",
        "`InvalidInput`: `Could not parse metadata`, with the reason (not XML, a DOCTYPE, no entity id, "
        "no IDPSSODescriptor, no signing certificate, a certificate that is not X.509, validUntil passed) "
        "in `<Detail>`. Any DOCTYPE is refused before parsing; documents over 1 MiB meet the request "
        "body limit (AWS accepts up to 10,000,000 characters).",
        "AWS does not document its messages for bad metadata; entity declarations are how XML "
        "attacks (XXE, entity expansion) begin, and metadata never needs one.",
    ),
    (
        "CreateOpenIDConnectProvider with an http URL",
        "Refused as AWS refuses it, except on loopback (`127.0.0.1`, `[::1]`, `localhost`) under "
        "`--dev` or `CREDO_OIDC_LOOPBACK_HTTP=1`.",
        "Tests and laptops run real identity providers on loopback without certificates.",
    ),
    (
        "AssumeRoleWithSAML",
        "Refuses XML signatures made with SHA-1, and encrypted assertions using 3DES or RSA PKCS#1 "
        "v1.5 key transport (`InvalidIdentityToken`); "
        "accepts each assertion once; `Recipient` must be credo's own `/saml` URL or "
        "`https://signin.aws.amazon.com/saml`; refusals carry credo's own messages, the reason in "
        "`<Detail>`.",
        "SHA-1 collisions are practical, and PKCS#1 v1.5 key transport and 3DES are broken; AWS does not "
        "document its replay rule nor most of its messages (docs/federation.md).",
    ),
    (
        "AssumeRoleWithWebIdentity",
        "OpenID Connect tokens only (`ProviderId` for OAuth 2.0 providers is `InvalidParameterValue`); "
        "TLS to the issuer is checked against the system's trust store and `ThumbprintList` is not "
        "consulted; `Provider` is the OIDC provider's ARN; refusals AWS does not document carry "
        "credo's own messages, the reason in `<Detail>`.",
        "AWS itself no longer relies on thumbprints for most issuers; the Login with Amazon and "
        "Facebook providers are AWS's own (docs/federation.md).",
    ),
    (
        "sso-admin: CreateAccountAssignment, DeleteAccountAssignment, ProvisionPermissionSet",
        "The work is done before the call answers: the request status is `SUCCEEDED` (or `FAILED` with "
        "its `FailureReason`) in the answer itself and in every later Describe…Status, never `IN_PROGRESS`.",
        "credo writes the role in the same transaction as the assignment; clients that poll the status "
        "find it final on their first look.",
    ),
    (
        "sso-admin: an account the installation does not have",
        "`ValidationException`: `TargetId <id> is not a valid account.`, at once.",
        "AWS checks accounts against its organization; credo's accounts are those `credo account create` "
        "made (docs/sso.md).",
    ),
    (
        "sso-admin: provisioned roles",
        "Path `/aws-reserved/sso.amazonaws.com/` (AWS adds the region outside us-east-1); the "
        "`AWSSSO_<hex>_DO_NOT_DELETE` SAML provider their trust policy names is not created in the account.",
        "credo has no regions; the access portal (next step, docs/sso.md) mints the roles' sessions "
        "itself rather than through AssumeRoleWithSAML.",
    ),
    (
        "sso-admin: one instance",
        "One Identity Center instance per installation, owned by the store's first account (the dev account "
        "under `--dev`); other accounts list none and are refused it with `AccessDeniedException` "
        "(`… because no resource-based policy allows …`).",
        "A self-hosted installation is one organization; AWS's member-account instances are not needed.",
    ),
    (
        "identitystore: users",
        "`UserName`, `DisplayName`, `Name.GivenName` and `Name.FamilyName` are required (AWS's own "
        "directory requires them); `GetUserId` finds users by `userName` or `emails.value`, not by external "
        "ids; not-found and conflict messages are credo's own.",
        "External ids come from SCIM provisioning, which credo does not have; AWS documents no messages.",
    ),
    (
        "sso-admin and identitystore errors",
        "JSON errors carry `__type`, `Message` and `RequestId`, and credo's explanation as `Detail`; "
        "client errors are HTTP 400, as AWS's API references give them.",
        "botocore reads `__type` and `Message`; the detail is extra.",
    ),
    (
        "CloudTrail: LookupEvents",
        "The events of credo's audit trail (docs/audit.md): IAM, STS, SSO, CloudTrail calls and console "
        "sign-ins; no Insights events (`EventCategory=insight` finds none); the messages of "
        "`InvalidMaxResultsException`, `InvalidLookupAttributesException`, `InvalidTimeRangeException` "
        "and `InvalidNextTokenException` are credo's own; no rate limit of two lookups a second.",
        "AWS documents the exceptions but not their messages; credo records only its own services.",
    ),
    (
        "AWS managed policies",
        "The catalog shipped with credo (a snapshot of AWS's managed policies, with their versions "
        "and dates); AWS adds and revises its policies over time.",
        "A self-hosted server cannot follow AWS's catalog live.",
    ),
)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "api-coverage.md"


def render() -> str:
    """The Markdown document, deterministic for a given botocore and operations table."""
    lines = [
        "# API coverage",
        "",
        "Generated by `python -m credo.coverage` from botocore's IAM, STS, SSO Admin, Identity Store,",
        "SSO OIDC and SSO service models and credo's operations tables",
        "(`credo.server.operations.OPERATIONS`, `JSON_OPERATIONS` and `REST_JSON_OPERATIONS`).",
        "Do not edit by hand.",
        "",
        f"Models of botocore {botocore.__version__}.",
        "",
    ]
    summary: list[str] = []
    sections: list[str] = []
    for service, title in SERVICES.items():
        names = sorted(model.service(service).model.operation_names)
        served = (
            OPERATIONS.get(service) or JSON_OPERATIONS.get(service) or REST_JSON_OPERATIONS.get(service, {})
        )
        done = sum(1 for name in names if name in served)
        count = f"{done} of {len(names)} {title} operations"
        summary.append(f"- {count}")
        sections += [
            f"## {title}",
            "",
            f"{count} implemented.",
            "",
            "| Operation | Implemented |",
            "| --- | --- |",
        ]
        sections += [f"| {name} | {'yes' if name in served else 'no'} |" for name in names]
        sections.append("")
    differences = [
        "## Where credo deliberately differs",
        "",
        "| Where | What credo does | Why |",
        "| --- | --- | --- |",
        *(f"| {where} | {what} | {why} |" for where, what, why in DIFFERENCES),
        "",
    ]
    return "\n".join([*lines, *summary, "", *sections, *differences])


def generated_with(document: str) -> str | None:
    """The botocore version a generated document names."""
    found = re.search(r"^Models of botocore (\S+)\.$", document, re.MULTILINE)
    return found[1] if found else None


def answered(document: str) -> list[tuple[str, str]]:
    """The operations a document marks as answered: (section, operation)."""
    found: list[tuple[str, str]] = []
    section = ""
    for line in document.splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| ") and line.endswith(" | yes |"):
            found.append((section, line[2:-8]))
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
