"""AWS's policy validation as a table: one row per rule, each citing where AWS documents it.

Sources (the row's id ends with its tag):
  [grammar]   IAM User Guide, "Grammar of the IAM JSON policy language"
              https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
  [version]   "IAM JSON policy elements: Version" (…/reference_policies_elements_version.html)
  [effect]    "IAM JSON policy elements: Effect" (…/reference_policies_elements_effect.html)
  [action]    "IAM JSON policy elements: Action" (…/reference_policies_elements_action.html)
  [resource]  "IAM JSON policy elements: Resource" (…/reference_policies_elements_resource.html)
  [principal] "AWS JSON policy elements: Principal" (…/reference_policies_elements_principal.html)
  [notprin]   "AWS JSON policy elements: NotPrincipal" (…/reference_policies_elements_notprincipal.html)
  [sid]       "IAM JSON policy elements: Sid" (…/reference_policies_elements_sid.html)
  [condition] "IAM JSON policy elements: Condition operators"
              (…/reference_policies_elements_condition_operators.html)
  [arn]       "IAM identifiers: IAM ARNs" (…/reference_identifiers.html#identifiers-arns)
  [checks]    "IAM Access Analyzer policy validation check reference"
              (…/access-analyzer-reference-policy-checks.html)
  [tags]      "Passing session tags in AWS STS" (…/id_session-tags.html), "Monitor and control
              actions taken with assumed roles" (source identity), "Trusted identity propagation"
  [recorded]  IAM's answers as recorded against real AWS: moto's tests/test_iam/test_iam_policies.py
              (written by probing IAM, 2019) and test_iam.py (trust policies); GitHub issues
              quoting IAM: terraform#13449, terraform-provider-aws#10419 (Principal in an identity
              policy), kubernetes-sigs/external-dns#3085 and terraform#34231 (Resource in a trust
              policy), AWSCookbook/Security#2 and ansible-modules-core#2864 (invalid trust JSON),
              opstrace#88 and databrickslabs/ucx#2269 ("AWS" principal), Meteor-CollectionFS#630
              (managed policy Version), garnaat/kappa#111 (colons), aws-cdk and CloudFormation
              logs ("SERVICE" principal).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from credo.errors import MalformedPolicyDocument
from credo.policy import PolicyKind, parse_policy
from credo.policy.element_formats import IAM_PATH, ONE_COLON, RESOURCE_VENDOR, VENDOR
from credo.policy.validation import (
    INVALID_JSON,
    LEGACY,
    MISSING_PRINCIPAL,
    NO_ACTIONS,
    NO_PRINCIPAL_HERE,
    NO_RESOURCES,
    NOT_PRINCIPAL_ALLOW,
    SYNTAX,
    TRUST_ACTIONS,
    UNIQUE_SIDS,
    VERSION_2012,
)

BUCKET = "arn:aws:s3:::example_bucket"
TRUSTED = {"Service": "ec2.amazonaws.com"}


def st(**fields: object) -> dict[str, object]:
    """An identity statement (Allow s3:ListBucket on a bucket) with ``fields`` changed; None drops one."""
    statement: dict[str, object] = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}
    statement.update(fields)
    return {k: v for k, v in statement.items() if v is not None}


def trust(**fields: object) -> dict[str, object]:
    """A trust statement (EC2 may sts:AssumeRole) with ``fields`` changed; None drops one."""
    return st(**{"Action": "sts:AssumeRole", "Resource": None, "Principal": TRUSTED, **fields})


def doc(*statements: object, version: str | None = "2012-10-17", **top: object) -> str:
    body: dict[str, object] = {} if version is None else {"Version": version}
    body["Statement"] = statements[0] if len(statements) == 1 else list(statements)
    body.update(top)
    return json.dumps(body)


@dataclass(frozen=True)
class Case:
    rule: str
    source: str
    text: str
    expected: str  # the exact Message
    kind: PolicyKind = "identity"
    managed: bool = False

    def param(self) -> object:
        return pytest.param(self, id=f"{self.rule} [{self.source}]")


def when(**conditions: object) -> str:
    """A one-statement document with this Condition."""
    return doc(st(Condition=conditions))


# fmt: off
REJECTED = [
    # 1. JSON
    Case("not JSON", "grammar; recorded", "This is not a json document", SYNTAX),
    Case("trailing data after the object", "grammar", doc(st()) + "x", SYNTAX),
    Case("trust policy: not JSON", "recorded", "AWSLambdaBasicExecutionRole", INVALID_JSON, "trust"),
    Case("trust policy: not an object", "recorded", "[]", INVALID_JSON, "trust"),
    # 2. grammar
    Case("top level must be an object", "grammar", "[]", SYNTAX),
    Case("Version: only the two dates", "version; recorded", doc(st(), version="2013-10-17"), SYNTAX),
    Case("Statement required", "grammar; recorded", json.dumps({"Version": "2012-10-17"}), SYNTAX),
    Case("Statement entries are objects", "grammar; recorded", doc(["afd"]), SYNTAX),
    Case("Statement not empty", "grammar; recorded", json.dumps({"Version": "2012-10-17", "Statement": []}), SYNTAX),
    Case("unknown top-level field", "grammar; recorded", doc(st(), **{"Extra field": "value"}), SYNTAX),
    Case("unknown statement field", "grammar; recorded", doc(st(**{"Extra field": "value"})), SYNTAX),
    Case("Id is a string", "grammar; recorded", doc(st(), Id=["x"]), SYNTAX),
    Case("Effect is Allow or Deny", "effect; recorded", doc(st(Effect="invalid")), SYNTAX),
    Case("Effect required", "effect; recorded", doc(st(Effect=None)), SYNTAX),
    Case("Resource is a string or list", "grammar; recorded", doc(st(Resource={"a": BUCKET})), SYNTAX),
    Case("Resource entries are strings", "grammar; recorded", doc(st(Effect="Deny", Resource=["adfdf", {}])), SYNTAX),
    Case("Action entries are strings", "grammar; recorded", doc(st(Action=[[]])), SYNTAX),
    Case("Action is a string or list", "grammar; recorded", doc(st(Action={})), SYNTAX),
    Case("Action or NotAction, not both", "grammar; recorded", doc(st(NotAction="s3s:ListBucket", Action=[])), SYNTAX),
    Case("Resource or NotResource, not both", "grammar; recorded", doc(st(NotResource="*")), SYNTAX),
    Case("Principal or NotPrincipal, not both", "grammar", doc(trust(NotPrincipal=TRUSTED)), SYNTAX, "trust"),
    Case("Sid is a string", "sid; recorded", doc(st(Sid={})), SYNTAX),
    Case("Condition is an object", "grammar; recorded", doc(st(Condition=[])), SYNTAX),
    Case("Condition operators hold objects", "grammar; recorded", doc(st(Condition={"a": "b"})), SYNTAX),
    Case("Condition values are scalars", "grammar; recorded", when(DateGreaterThan={"a": {}}), SYNTAX),
    Case("unknown condition operator", "condition; recorded", when(x={"a": "1"}), SYNTAX),
    Case("set operator takes one colon", "condition; recorded", when(**{"ForAnyValue::StringEquals": {"a": "b"}}), SYNTAX),
    Case("grammar before Version", "recorded", doc(st(Effect="invalid"), version=None), SYNTAX, managed=True),
    # 3. kind of policy
    Case("managed policy: Version required", "version; recorded", doc(st(), version=None), VERSION_2012, managed=True),
    Case("managed policy: 2008-10-17 refused", "version; recorded", doc(st(), version="2008-10-17"), VERSION_2012, managed=True),
    Case("Version before legacy parsing", "recorded", doc(st(Effect="denY"), version=None), VERSION_2012, managed=True),
    Case("Version before Sids", "recorded", doc(st(Sid="a"), st(Sid="a"), version=None), VERSION_2012, managed=True),
    Case("identity policy: no Principal", "principal; recorded", doc(st(Principal="*")), NO_PRINCIPAL_HERE),
    Case("Principal before Resource", "recorded", doc(trust()), NO_PRINCIPAL_HERE),
    Case("boundary: no NotPrincipal", "principal", doc(st(Effect="Deny", NotPrincipal=TRUSTED)), NO_PRINCIPAL_HERE, "boundary"),
    Case("session policy: no Principal", "principal", doc(st(Principal="*")), NO_PRINCIPAL_HERE, "session"),
    Case("trust policy: no Resource", "principal; recorded", doc(trust(Resource="*")), "Has prohibited field Resource", "trust"),
    Case("trust policy: Resource checked first", "recorded", doc(st(Action="logs:*")), "Has prohibited field Resource", "trust"),
    Case("trust policy: no NotResource", "principal", doc(trust(NotResource="*")), "Has prohibited field NotResource", "trust"),
    Case("trust policy: no NotPrincipal", "notprin", doc(trust(Effect="Deny", Principal=None, NotPrincipal=TRUSTED)), "Has prohibited field NotPrincipal", "trust"),
    # 4. legacy parsing
    Case("Effect is case-sensitive", "effect; recorded", doc(st(Effect="denY")), LEGACY),
    Case("legacy parsing before Sids", "recorded", doc(st(Sid="s", Effect="aLLow"), {"Sid": "s", "Effect": "Allow"}), LEGACY),
    Case("Date value not a date", "condition; recorded", when(DateGreaterThan={"a": "sdfdsf"}), LEGACY),
    Case("Date month out of range", "condition; recorded", when(DateLessThanEquals={"a": "234-13"}), LEGACY),
    Case("Date offset has two digits", "condition; recorded", when(DateLessThanEquals={"a": "2016-12-13t2:00:00.593194+1"}), LEGACY),
    Case("Date fraction has 9 digits", "condition; recorded", when(DateLessThanEquals={"a": "2016-12-13t2:00:00.1999999999+10:59"}), LEGACY),
    Case("Date epoch fits 63 bits", "condition; recorded", when(DateLessThan={"a": "9223372036854775808"}), LEGACY),
    Case("Date checked before Action", "recorded", doc(st(Action=None, Resource=None, Condition={"DateGreaterThan": {"a": "x"}})), LEGACY),
    Case("Date checked before partition", "recorded", doc(st(Resource="arn:error:s3:::b", Condition={"DateGreaterThan": {"a": "x"}})), LEGACY),
    Case("ARN with :: needs six parts", "arn; recorded", doc(st(Resource="arn:aws:s3::example_bucket")), LEGACY),
    Case("ARN legacy check before Action", "recorded", doc(st(Action=None, Resource="arn:aws:s3::example_bucket")), LEGACY),
    Case("NotResource ARN legacy check", "arn; recorded", doc(st(Resource=None, NotResource="arn:aws:s3::example_bucket")), LEGACY),
    Case("ARN needs a service", "arn; recorded", doc(st(NotAction="s3:ListBucket", Action=None, Resource="arn:aws::::example_bucket")), LEGACY),
    Case("ARN service not empty", "arn; recorded", doc(st(Resource="arn:aws::fdsasf")), LEGACY),
    Case("trust policy: Effect case", "effect", doc(trust(Effect="allow")), LEGACY, "trust"),
    # 5. Sids, actions, resources
    Case("Sids unique", "sid; checks 'Unique Sids required'", doc(st(Sid="sdf"), {"Sid": "sdf", "Effect": "Allow"}), UNIQUE_SIDS),
    Case("Action required", "action; checks 'Missing action'", doc(st(Action=None)), NO_ACTIONS),
    Case("Action not empty", "action; recorded", doc(st(Action=[])), NO_ACTIONS),
    Case("Action before Resource", "recorded", json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow"}}), NO_ACTIONS),
    Case("every statement has actions", "recorded", doc({"Effect": "Deny"}, st()), NO_ACTIONS),
    Case("Resource required", "resource; checks 'Missing resource'", doc(st(Resource=None)), NO_RESOURCES),
    Case("Resource not empty", "resource; recorded", doc(st(Resource=[])), NO_RESOURCES),
    Case("Resource before action names", "recorded", doc(st(Action="invalid", Resource=None)), NO_RESOURCES),
    Case("trust policy: Action required", "action", doc(trust(Action=None)), NO_ACTIONS, "trust"),
    # 6. resource formats
    Case("Resource is an ARN or *", "resource; recorded", doc(st(Resource="invalid resource")), 'Resource invalid resource must be in ARN format or "*".'),
    Case("empty Resource", "resource; recorded", doc(st(Resource="")), 'Resource  must be in ARN format or "*".'),
    Case("Resource list entry", "resource; recorded", doc(st(Resource=["adf"])), 'Resource adf must be in ARN format or "*".'),
    Case("resource format before action names", "recorded", doc(st(Action="s:3:ListBucket", Resource="sdfsadf")), 'Resource sdfsadf must be in ARN format or "*".'),
    Case("partition, alone", "arn; checks 'Invalid partition'", doc(st(NotAction="s3s:ListBucket", Action=None, Resource="a:bsdfdsafsad")), 'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".'),
    Case("partition, short ARN", "arn; recorded", doc(st(Resource="a:b:cadfsdf")), 'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".'),
    Case("partition, long ARN", "arn; recorded", doc(st(Resource="a:b:c:d:e:f:g:h")), 'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".'),
    Case("partition, arn: missing", "arn; recorded", doc(st(Resource="aws:s3:::example_bucket")), 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".'),
    Case("partition, first of a list", "arn; recorded", doc(st(Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"])), 'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".'),
    Case("service required", "arn; checks 'Invalid ARN prefix'", doc(st(Resource="arn:aws")), RESOURCE_VENDOR),
    Case("IAM resource paths", "arn; recorded", doc(st(Resource="arn:aws:iam:::example_bucket")), IAM_PATH),
    Case("IAM ARNs have no region", "arn; checks 'ARN region not allowed'", doc(st(Resource="arn:aws:iam:us-east-1::example_bucket")), "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."),
    Case("bucket ARNs have no region", "arn; recorded", doc(st(Resource="arn:aws:s3:us-east-1::example_bucket")), "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."),
    # 7. action names, trust actions, principals
    Case("Action needs a vendor", "action; recorded", doc(st(Action="invalid")), VENDOR),
    Case("empty NotAction", "action; recorded", doc(st(Action=None, NotAction="")), VENDOR),
    Case("vendor characters", "action; recorded", doc(st(Action="a a:ListBucket")), "Vendor a a is not valid"),
    Case("one colon", "action; recorded", doc(st(Action="s3:List:Bucket")), ONE_COLON),
    Case("one colon, second statement", "action; recorded", doc(st(Action="s3s:ListBucket"), st(Action="s:3s:ListBucket")), ONE_COLON),
    Case("trust policy: STS actions only", "tags; recorded", doc(trust(Action=["sts:BadAssumeRole"])), TRUST_ACTIONS, "trust"),
    Case("trust policy: other services", "tags; recorded", doc(trust(Action="s3:GetObject")), TRUST_ACTIONS, "trust"),
    Case("trust policy: no NotAction", "tags; recorded", doc(trust(Action=None, NotAction="s3:*")), TRUST_ACTIONS, "trust"),
    Case("trust policy: action names first", "recorded", doc(trust(Action="AssumeRole")), VENDOR, "trust"),
    Case("trust policy: Principal required", "principal; checks 'Missing principal'", doc(trust(Principal=None)), MISSING_PRINCIPAL, "trust"),
    Case("resource policy: Principal required", "principal", doc(st()), MISSING_PRINCIPAL, "resource"),
    Case("AWS principal: account, ARN or *", "principal; recorded", doc(trust(Principal={"AWS": "bob"})), 'Invalid principal in policy: "AWS":"bob"', "trust"),
    Case("AWS principal: no wildcard in an ARN", "principal", doc(trust(Principal={"AWS": "arn:aws:iam::123456789012:user/*"})), 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"', "trust"),
    Case("Service principal: a service name", "principal; recorded", doc(trust(Principal={"Service": "ec2"})), 'Invalid principal in policy: "SERVICE":"ec2"', "trust"),
    Case("principal types", "principal", doc(trust(Principal={"Users": "x"})), "Invalid principal in policy", "trust"),
    Case("principal is * or an object", "principal", doc(trust(Principal="arn:aws:iam::123456789012:root")), "Invalid principal in policy", "trust"),
    Case("NotPrincipal needs Deny", "notprin", doc(st(NotPrincipal={"AWS": "123456789012"})), NOT_PRINCIPAL_ALLOW, "resource"),
]
# fmt: on


@pytest.mark.parametrize("case", [c.param() for c in REJECTED])
def test_aws_rejects_with_its_message(case: Case) -> None:
    """A document breaking an AWS rule gets AWS's exact message, the first failing check winning."""
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(case.text, case.kind, managed=case.managed)
    assert caught.value.message == case.expected
    assert caught.value.detail  # credo's explanation, sent as <Detail>


# fmt: off
ACCEPTED = [
    Case("Statement as one object", "grammar", doc(st()), ""),
    Case("Statement as a list", "grammar; recorded", doc(st(), st(Sid="b")), ""),
    Case("Version 2008-10-17 outside managed policies", "version", doc(st(), version="2008-10-17"), ""),
    Case("no Version outside managed policies", "version", doc(st(), version=None), ""),
    Case("trust policy with 2008-10-17", "version", doc(trust(), version="2008-10-17"), "", "trust"),
    Case("action names AWS does not check", "action; recorded", doc(st(Action=["iam: asdf safdsf af ", "fsx:ListBucket"])), ""),
    Case("service prefixes with dashes and dots", "action; recorded", doc(st(Action=["s3-s:ListBucket", "s3.s:ListBucket"])), ""),
    Case("Action * and wildcards", "action", doc(st(Action=["*", "iam:Get*", "s3:List?ucket", "*:Describe*"])), ""),
    Case("NotAction with NotResource *", "recorded", doc(st(Action=None, NotAction="s3:ListBucket", Resource=None, NotResource="*")), ""),
    Case("Resource list with *", "resource; recorded", doc(st(Resource=[BUCKET, "*"])), ""),
    Case("ARNs of services AWS does not know", "arn; recorded", doc(st(Resource=["arn:aws:s33:::b", "arn:aws:invalid-service:us-east-1::b"])), ""),
    Case("short ARN with one colon after the service", "arn; recorded", doc(st(Resource="arn:aws:fdsasf")), ""),
    Case("regional ARNs", "arn; recorded", doc(st(Resource=["arn:aws:ec2:us-east-1::b", "arn:aws:rds:region:*:*"])), ""),
    Case("S3 access points and grants are regional", "arn; recorded", doc(st(Resource=["arn:aws:s3:us-west-2:123456789012:accesspoint/ap", "arn:aws:s3:*:*:access-grants/default/grant/*", ])), ""),
    Case("IAM paths, root and *", "arn", doc(st(Resource=["arn:aws:iam:::user/x", "arn:aws:iam::123456789012:root", "arn:aws:iam::*:*"])), ""),
    Case("other partitions and *", "arn", doc(st(Resource=["arn:aws-cn:s3:::b", "arn:aws-us-gov:s3:::b", "arn:*:s3:::b"])), ""),
    Case("empty Condition", "recorded", doc(st(Condition={})), ""),
    Case("unknown operator with no keys", "condition; recorded", when(x={}, y={}), ""),
    Case("condition keys without a service prefix", "condition; recorded", when(StringEquals={"foo": "bar"}, StringEqualsIfExists={"a": "asf"}), ""),
    Case("set operators with IfExists", "condition; recorded", when(**{"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}), ""),
    Case("empty condition value list", "condition; recorded", when(DateGreaterThan={"a": []}), ""),
    Case("numbers and booleans as values", "condition", when(NumericLessThan={"aws:MultiFactorAuthAge": 3600}, Bool={"aws:SecureTransport": False}), ""),
    Case("ISO 8601 dates", "condition; recorded", when(DateLessThanEquals={"a": ["2019-07-01T13:20:15Z", "2016-12-13T21:20:37.593194+00:00", "2016-12-13t2:00:00.593194+23", "01T", ]}), ""),
    Case("epoch and negative years", "condition; recorded", when(DateLessThan={"a": ["1500000000", "-292275054"]}), ""),
    Case("empty Sids may repeat", "sid; recorded", doc(st(Sid=""), st(Sid="")), ""),
    Case("trust policy: the STS actions", "tags", doc(trust(Action=["sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext", ])), "", "trust"),
    Case("trust policy: wildcards covering them", "tags", doc(trust(Action=["sts:*", "sts:AssumeRole*", "*"])), "", "trust"),
    Case("trust policy: principals", "principal", doc(trust(Principal={"AWS": ["123456789012", "arn:aws:iam::123456789012:role/p/r", "*"], "Service": "ecs-tasks.amazonaws.com", "Federated": "arn:aws:iam::123456789012:oidc-provider/example.com", })), "", "trust"),
    Case("resource policy: NotPrincipal with Deny", "notprin", doc(st(Effect="Deny", NotPrincipal={"AWS": "123456789012"})), "", "resource"),
]
# fmt: on


@pytest.mark.parametrize("case", [c.param() for c in ACCEPTED])
def test_aws_accepts(case: Case) -> None:
    """Documents AWS accepts parse, including forms credo used to refuse."""
    assert parse_policy(case.text, case.kind, managed=case.managed).statements


def test_every_aws_managed_policy_is_valid() -> None:
    """Each of AWS's own managed policies (as shipped in credo's catalog) passes as a managed policy."""
    from importlib.resources import files

    catalog = json.loads(files("credo").joinpath("data/aws-managed-policies.json").read_text())
    for name, entry in catalog.items():
        assert parse_policy(json.dumps(entry["Document"]), managed=True).statements, name


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        pytest.param(
            doc(st(), st(Sid="Named", Effect="allow")), "Statement 'Named': Effect 'allow'", id="by Sid"
        ),
        pytest.param(doc(st(), st(Effect="allow")), "Statement #2: Effect 'allow'", id="by position"),
        pytest.param(
            doc(st(Resource=["*", "user/bob"])), "Statement #1: Resource 'user/bob'", id="which entry"
        ),
        pytest.param("{not json", "The document is not valid JSON", id="JSON"),
    ],
)
def test_detail_says_where_and_why(text: str, detail: str) -> None:
    """The detail names the statement (by Sid, else position) and the field that broke the rule."""
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(text)
    assert caught.value.detail is not None and caught.value.detail.startswith(detail)
