"""The decision across policy types ("Policy evaluation logic" in the IAM User Guide).

Ids cite: "eval: ..." (Policy evaluation logic / Determining whether a request is allowed
or denied within an account), "cross: ..." (Cross-account policy evaluation logic),
"boundary: ..." (Permissions boundaries for IAM entities, evaluation), "session: ..."
(Session policies), "principal: ..." (AWS JSON policy elements: Principal / NotPrincipal).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import pytest

from credo.policy import Policy, PolicyKind, Request, evaluate, parse_policy

A = "111111111111"
B = "222222222222"
USER = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/ops/deployer"
SESSION = f"arn:aws:sts::{A}:assumed-role/deployer/run-1"
BUCKET = "arn:aws:s3:::data/report.csv"


def policy(effect: str, kind: PolicyKind = "identity", principal: object = None, **extra: object) -> Policy:
    statement: dict[str, object] = {
        "Effect": effect,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::data/*",
    }
    if principal is not None:
        statement["Principal"] = principal
    statement.update(extra)
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statement}), kind)


ALLOW = policy("Allow")
DENY = policy("Deny")
OTHER = parse_policy(
    json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}
    )
)


def rp(effect: str, who: object) -> Policy:
    return policy(effect, "resource", who)


@dataclass
class Case:
    identity: list[Policy] = field(default_factory=list)
    resource: list[Policy] = field(default_factory=list)
    boundaries: list[Policy] | None = None
    session: list[Policy] | None = None
    principal: str = USER
    account: str = A
    resource_account: str | None = None
    is_root: bool = False


CASES = [
    (Case(), "implicitDeny", "eval: default is implicit deny"),
    (Case(identity=[ALLOW]), "allowed", "eval: identity allow"),
    (Case(identity=[OTHER]), "implicitDeny", "eval: allow for other actions only"),
    (Case(identity=[ALLOW, DENY]), "explicitDeny", "eval: explicit deny overrides allow"),
    (Case(identity=[ALLOW], resource=[rp("Deny", "*")]), "explicitDeny", "eval: resource deny overrides"),
    (Case(identity=[ALLOW], boundaries=[OTHER]), "implicitDeny", "boundary: must also allow"),
    (Case(identity=[ALLOW], boundaries=[ALLOW]), "allowed", "boundary: allows"),
    (Case(identity=[ALLOW], boundaries=[]), "implicitDeny", "boundary: empty set allows nothing"),
    (Case(identity=[ALLOW], boundaries=[DENY]), "explicitDeny", "boundary: deny is explicit"),
    (Case(identity=[OTHER], boundaries=[ALLOW]), "implicitDeny", "boundary: grants nothing alone"),
    (Case(identity=[ALLOW], session=[OTHER]), "implicitDeny", "session: must also allow"),
    (Case(identity=[ALLOW], session=[ALLOW]), "allowed", "session: allows"),
    (Case(identity=[OTHER], session=[ALLOW]), "implicitDeny", "session: grants nothing alone"),
    (Case(identity=[ALLOW], session=[DENY]), "explicitDeny", "session: deny is explicit"),
    (Case(resource=[rp("Allow", {"AWS": USER})]), "allowed", "eval: resource policy naming the user grants"),
    (
        Case(resource=[rp("Allow", {"AWS": USER})], boundaries=[OTHER]),
        "allowed",
        "boundary: does not cap a resource grant naming the user",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": USER})], session=[OTHER]),
        "implicitDeny",
        "session: caps a resource grant naming the user",
    ),
    (
        Case(
            resource=[rp("Allow", {"AWS": SESSION})], principal=SESSION, boundaries=[OTHER], session=[OTHER]
        ),
        "allowed",
        "session: a grant naming the session ARN is not capped",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": ROLE})], principal=SESSION),
        "allowed",
        "principal: a role ARN matches its sessions",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": ROLE})], principal=SESSION, boundaries=[OTHER]),
        "implicitDeny",
        "boundary: caps a resource grant naming the role",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": f"arn:aws:iam::{B}:role/deployer"})], principal=SESSION),
        "implicitDeny",
        "principal: role of another account",
    ),
    (Case(resource=[rp("Allow", {"AWS": A})]), "implicitDeny", "principal: account grant delegates to IAM"),
    (
        Case(resource=[rp("Allow", {"AWS": f"arn:aws:iam::{A}:root"})], identity=[ALLOW]),
        "allowed",
        "principal: account root plus identity allow",
    ),
    (Case(resource=[rp("Allow", "*")]), "allowed", "principal: * grants everyone"),
    (
        Case(resource=[rp("Allow", {"AWS": "*"})], boundaries=[OTHER]),
        "implicitDeny",
        "boundary: credo caps a * grant",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": f"arn:aws:iam::{A}:user/bob"})]),
        "implicitDeny",
        "principal: other user",
    ),
    (
        Case(identity=[ALLOW], resource=[rp("Allow", {"AWS": B})], account=A, resource_account=B),
        "implicitDeny",
        "cross: resource must name the caller's account",
    ),
    (
        Case(identity=[ALLOW], resource=[rp("Allow", {"AWS": A})], account=A, resource_account=B),
        "allowed",
        "cross: identity and resource both allow",
    ),
    (
        Case(resource=[rp("Allow", {"AWS": USER})], account=A, resource_account=B),
        "implicitDeny",
        "cross: resource policy alone is not enough",
    ),
    (
        Case(identity=[ALLOW], account=A, resource_account=B),
        "implicitDeny",
        "cross: identity policy alone is not enough",
    ),
    (
        Case(
            identity=[ALLOW],
            resource=[rp("Allow", {"AWS": A})],
            account=A,
            resource_account=B,
            boundaries=[OTHER],
        ),
        "implicitDeny",
        "cross: boundary caps the identity side",
    ),
    (Case(is_root=True), "allowed", "eval: account root is allowed by default"),
    (Case(is_root=True, resource=[rp("Deny", "*")]), "explicitDeny", "eval: root still meets explicit deny"),
    (
        Case(identity=[ALLOW], resource=[rp("Deny", {"AWS": f"arn:aws:iam::{A}:user/bob"})]),
        "allowed",
        "principal: deny for someone else does not apply",
    ),
    (
        Case(identity=[ALLOW], resource=[policy("Deny", "resource", NotPrincipal={"AWS": USER})]),
        "allowed",
        "principal: NotPrincipal exempts the listed principal",
    ),
    (
        Case(
            identity=[ALLOW],
            resource=[policy("Deny", "resource", NotPrincipal={"AWS": ROLE})],
            principal=SESSION,
        ),
        "allowed",
        "principal: NotPrincipal role exempts its sessions",
    ),
    (
        Case(
            identity=[ALLOW],
            resource=[policy("Deny", "resource", NotPrincipal={"AWS": USER})],
            principal=f"arn:aws:iam::{A}:user/bob",
        ),
        "explicitDeny",
        "principal: NotPrincipal denies everyone else",
    ),
]


@pytest.mark.parametrize(("case", "expected"), [pytest.param(c, e, id=i) for c, e, i in CASES])
def test_evaluation_logic(case: Case, expected: str) -> None:
    """The decision combines policy types as AWS's policy evaluation logic describes."""
    request = Request(
        "s3:GetObject", BUCKET, {}, principal_arn=case.principal, principal_account=case.account
    )
    decision = evaluate(
        request,
        identity=[(f"id{i}", p) for i, p in enumerate(case.identity)],
        resource=[(f"res{i}", p) for i, p in enumerate(case.resource)],
        boundaries=case.boundaries,
        session=case.session,
        resource_account=case.resource_account,
        is_root=case.is_root,
    )
    assert decision.result == expected


TRUST_SERVICE = parse_policy(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        }
    ),
    "trust",
)
TRUST_FEDERATED = parse_policy(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{A}:saml-provider/corp"},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws/saml"}},
            },
        }
    ),
    "trust",
)


@pytest.mark.parametrize(
    ("trust", "request_", "expected"),
    [
        pytest.param(
            TRUST_SERVICE,
            Request("sts:AssumeRole", ROLE, principal_service="ec2.amazonaws.com"),
            "allowed",
            id="principal: Service",
        ),
        pytest.param(
            TRUST_SERVICE,
            Request("sts:AssumeRole", ROLE, principal_service="lambda.amazonaws.com"),
            "implicitDeny",
            id="principal: other service",
        ),
        pytest.param(
            TRUST_SERVICE,
            Request("sts:TagSession", ROLE, principal_service="ec2.amazonaws.com"),
            "implicitDeny",
            id="principal: other action",
        ),
        pytest.param(
            TRUST_FEDERATED,
            Request(
                "sts:AssumeRoleWithSAML",
                ROLE,
                {"saml:aud": "https://signin.aws/saml"},
                principal_federated=f"arn:aws:iam::{A}:saml-provider/corp",
            ),
            "allowed",
            id="principal: Federated with condition",
        ),
        pytest.param(
            TRUST_FEDERATED,
            Request(
                "sts:AssumeRoleWithSAML", ROLE, principal_federated=f"arn:aws:iam::{A}:saml-provider/corp"
            ),
            "implicitDeny",
            id="principal: Federated, condition key missing",
        ),
    ],
)
def test_trust_policies(trust: Policy, request_: Request, expected: str) -> None:
    """Trust policies are evaluated as resource-based policies naming services and providers."""
    assert evaluate(request_, resource=[("trust", trust)]).result == expected


def test_matched_statements_are_the_deciding_ones() -> None:
    """An explicit deny reports the Deny statements; an allow reports the Allow statements."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                {
                    "Sid": "NoReports",
                    "Effect": "Deny",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::data/report*",
                },
                {"Sid": "Unrelated", "Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            ],
        }
    )
    p = parse_policy(text)
    denied = evaluate(Request("s3:GetObject", BUCKET), identity=[("P", p)])
    assert [(m.policy_id, m.sid, m.effect) for m in denied.matched] == [("P", "NoReports", "Deny")]
    allowed = evaluate(Request("s3:GetObject", "arn:aws:s3:::data/x"), identity=[("P", p)])
    assert [(m.sid, m.effect) for m in allowed.matched] == [("Read", "Allow")]
    assert evaluate(Request("ec2:RunInstances", "*"), identity=[("P", p)]).matched == ()


def test_missing_context_lists_needed_keys() -> None:
    """Keys read by statements matching the action, but absent from the context, are reported."""
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "arn:aws:s3:::${aws:username}/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
                },
                {
                    "Effect": "Allow",
                    "Action": "iam:*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                },
            ],
        }
    )
    decision = evaluate(
        Request("s3:GetObject", BUCKET, {"AWS:SourceIp": "10.1.1.1"}), identity=[("p", parse_policy(text))]
    )
    assert decision.result == "implicitDeny"
    assert decision.missing_context == ("aws:username",)


def test_request_is_immutable_and_compares_by_value() -> None:
    """Request behaves as a frozen dataclass: equal by fields, assignment refused."""
    request = Request("iam:GetUser", USER, {"aws:username": "alice"}, principal_arn=USER)
    assert request == Request("iam:GetUser", USER, {"aws:username": "alice"}, principal_arn=USER)
    assert Request("iam:GetUser").context == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.action = "iam:DeleteUser"  # type: ignore[misc]


TRUST_ACCOUNT = parse_policy(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
        }
    ),
    "trust",
)
TRUST_OTHER = parse_policy(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"},
        }
    ),
    "trust",
)
ASSUME_ANY = parse_policy(
    json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}}
    )
)


@pytest.mark.parametrize(
    ("identity", "trust", "expected"),
    [
        pytest.param(
            [ASSUME_ANY], TRUST_OTHER, "implicitDeny", id="trust: identity allow alone is not enough"
        ),
        pytest.param(
            [ASSUME_ANY], TRUST_ACCOUNT, "allowed", id="trust: account in trust plus identity allow"
        ),
        pytest.param([], TRUST_ACCOUNT, "implicitDeny", id="trust: account in trust needs identity allow"),
    ],
)
def test_resource_required_for_role_trust(identity: list[Policy], trust: Policy, expected: str) -> None:
    """With resource_required, the trust policy must allow the caller even within the account."""
    request = Request("sts:AssumeRole", ROLE, principal_arn=USER, principal_account=A)
    decision = evaluate(
        request,
        identity=[("id", p) for p in identity],
        resource=[("trust", trust)],
        resource_account=A,
        resource_required=True,
    )
    assert decision.result == expected


REMEMBERED = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Secure",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/${aws:username}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            {
                "Sid": "Tags",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "secret"}},
            },
        ],
    }
)


@pytest.mark.parametrize(
    ("action", "context"),
    [
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "true"}),
        ("S3:getobject", {"AWS:USERNAME": "alice", "aws:securetransport": "true"}),
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "false"}),
        (
            "s3:GetObject",
            {"aws:username": "alice", "aws:securetransport": "false", "AWS:SecureTransport": "true"},
        ),
        (
            "s3:GetObject",
            {"aws:username": "alice", "aws:SecureTransport": "true", "AWS:securetransport": "false"},
        ),
        ("s3:GetObject", {"aws:username": "bob", "aws:SecureTransport": "true"}),
        ("s3:GetObject", {"aws:SecureTransport": "true"}),
        ("s3:GetObject", {}),
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "true", "aws:TagKeys": ["a", "b"]}),
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "true", "aws:TagKeys": ["secret"]}),
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "true", "aws:TagKeys": []}),
    ],
)
def test_remembered_reports_depend_on_what_is_read(action: str, context: dict[str, str | list[str]]) -> None:
    """A policy reused across requests (remembering reports by the values its plan reads, with
    the context keys as spelled) decides each request as a freshly compiled one does."""
    reused = parse_policy(REMEMBERED)
    resource = "arn:aws:s3:::data/alice/notes"
    others: list[tuple[str, dict[str, str | list[str]]]] = [
        ("s3:GetObject", {"aws:username": "alice", "aws:SecureTransport": "true"}),
        ("s3:GetObject", {"AWS:UserName": "alice", "aws:SecureTransport": "false"}),
        ("s3:getobject", {}),
    ]
    for other_action, other_context in others:  # fill the policy's plans and reports first
        evaluate(Request(other_action, resource, other_context), identity=[("p", reused)])
    for _ in range(2):
        decision = evaluate(Request(action, resource, context), identity=[("p", reused)])
        fresh = evaluate(Request(action, resource, context), identity=[("p", parse_policy(REMEMBERED))])
        assert decision == fresh


def test_one_policy_under_two_ids_is_reported_under_each() -> None:
    """The same compiled policy attached twice (say inline to a user and to its group)."""
    p = parse_policy(REMEMBERED)
    request = Request(
        "s3:GetObject", "arn:aws:s3:::data/alice/x", {"aws:username": "alice", "aws:SecureTransport": "true"}
    )
    for _ in range(2):
        both = evaluate(request, identity=[("user", p), ("group", p)])
        assert [(m.policy_id, m.sid) for m in both.matched] == [("user", "Secure"), ("group", "Secure")]
        alone = evaluate(request, identity=[("group", p)])
        assert [(m.policy_id, m.sid) for m in alone.matched] == [("group", "Secure")]


def test_boundary_allows_are_not_reported_for_the_root() -> None:
    """The root needs no identity policy; a boundary caps it but its Allows are not listed."""
    boundary = parse_policy(REMEMBERED, "boundary")
    request = Request(
        "s3:GetObject", "arn:aws:s3:::data/alice/x", {"aws:username": "alice", "aws:SecureTransport": "true"}
    )
    for _ in range(2):
        decision = evaluate(request, boundaries=[boundary], is_root=True)
        assert (decision.result, decision.matched, decision.missing_context) == (
            "allowed",
            (),
            ("aws:TagKeys",),
        )
