"""Corpus: parameters — duplicated, junk, extreme indexes and numbers, control characters, bad encodings."""

from __future__ import annotations

from tests.hostile.corpus import STS, Case, case, iam, sts, validation
from tests.hostile.wire import Request


def _duplicates_and_junk() -> list[Case]:
    """The last of repeated names counts; names no member has are ignored, however many or odd."""
    junk_names = b"&".join(b"%x=j" % i for i in range(9_990))
    too_many = b"&".join(b"%x=" % i for i in range(10_001))
    return [
        validation(
            "duplicate UserName, last one bad", b"Action=GetUser&Version=2010-05-08&UserName=a&UserName=b%20c"
        ),
        validation(
            "duplicate MaxItems, last one zero", b"Action=ListUsers&Version=2010-05-08&MaxItems=5&MaxItems=0"
        ),
        case(
            "duplicate Action in query and body",
            Request(iam("MakeCoffee"), query="Action=ListUsers&Version=2010-05-08"),
            400,
            "InvalidAction",
        ),
        validation(
            "9,990 junk names and a missing member", b"Action=CreateUser&Version=2010-05-08&" + junk_names
        ),
        validation("10,001 parameters", b"Action=ListUsers&Version=2010-05-08&" + too_many),
        validation(
            "10,001 parameters to an action without members",
            b"Action=GetCallerIdentity&Version=2011-06-15&" + too_many,
            STS,
        ),
        validation(
            "junk names with NULs and controls",
            iam("CreateUser", **{"\x00": "x", "\x01.\x02": "y", "a\x7fb": "z"}),
        ),
        validation("junk names of 100 KiB", iam("CreateUser", **{"N" * 102_400: "x"})),
        validation("a name dotted 1,000 deep", iam("CreateUser", **{".".join(["a"] * 1000): "x"})),
        validation("an empty name", b"Action=CreateUser&Version=2010-05-08&=x&&&="),
        validation("a list given as one value", iam("TagUser", UserName="u", Tags="x")),
        case(
            "a structure given as one value",
            Request(iam("TagUser", UserName="nobody", **{"Tags.member.1": "x"})),
            404,
            "NoSuchEntity",
        ),
        validation("a scalar given members", iam("CreateUser", **{"UserName.member.1": "u"})),
    ]


def _indexes() -> list[Case]:
    """List and map indexes that are not 1-6 ASCII digits, or too many members."""
    cases = []
    for name, index in [
        ("superscript two", "²"),
        ("Arabic-Indic three", "٣"),
        ("4,301 digits", "9" * 4301),
        ("seven digits", "1234567"),
        ("negative", "-1"),
        ("letters", "1a"),
        ("empty", ""),
        ("space", " 1"),
        ("NUL", "1\x00"),
        ("fullwidth one", "１"),
    ]:
        cases.append(
            validation(f"tag index {name}", iam("TagUser", UserName="u", **{f"Tags.member.{index}.Key": "k"}))
        )
    cases.append(
        validation(
            "map entry index superscript", iam("PutAccountProperties", **{"Properties.entry.².key": "k"})
        )
    )
    cases.append(
        validation(
            "map entry index 4,301 digits",
            iam("PutAccountProperties", **{f"Properties.entry.{'9' * 4301}.key": "k"}),
        )
    )
    many = {f"Tags.member.{i}.Key": "k" for i in range(1, 1002)}
    cases.append(validation("1,001 list members", iam("TagUser", UserName="u", **many)))
    cases.append(
        validation(
            "1,001 action names",
            iam(
                "SimulateCustomPolicy",
                **{"PolicyInputList.member.1": "{}"},
                **{f"ActionNames.member.{i}": "iam:GetUser" for i in range(1, 1002)},
            ),
        )
    )
    return cases


def _numbers() -> list[Case]:
    """Integers outside their range or not written as integers; booleans and enums off their sets."""
    cases = []
    for name, value in [
        ("zero", "0"),
        ("negative", "-1"),
        ("minus zero", "-0"),
        ("over the maximum", "1001"),
        ("4,301 digits", "9" * 4301),
        ("5,000 digits negative", "-" + "9" * 5000),
        ("exponent", "1e3"),
        ("hexadecimal", "0x10"),
        ("with underscores", "1_0"),
        ("padded with spaces", " 5 "),
        ("Arabic-Indic digits", "٣"),
        ("NaN", "NaN"),
        ("infinity", "Infinity"),
        ("decimal", "5.0"),
        ("empty", ""),
        ("NUL", "5\x00"),
    ]:
        cases.append(validation(f"MaxItems {name}", iam("ListUsers", MaxItems=value)))
    for name, value in [
        ("under the minimum", "899"),
        ("over the maximum", "129601"),
        ("1e999", "1e999"),
        ("4,301 digits", "9" * 4301),
        ("-0", "-0"),
    ]:
        cases.append(
            validation(f"DurationSeconds {name}", sts("GetSessionToken", DurationSeconds=value), STS)
        )
    for name, value in [("yes", "yes"), ("one", "1"), ("empty", ""), ("NUL", "true\x00")]:
        cases.append(validation(f"boolean {name}", iam("ListPolicies", OnlyAttached=value)))
    for name, value in [("unknown", "Everything"), ("lower case", "all"), ("NUL", "All\x00")]:
        cases.append(validation(f"enum {name}", iam("ListPolicies", Scope=value)))
    return cases


def _characters() -> list[Case]:
    """Characters the member's pattern refuses, control characters where none is allowed, lengths."""
    cases = []
    for name, value in [
        ("NUL", "a\x00b"),
        ("control", "a\x01b"),
        ("DEL", "a\x7fb"),
        ("next line", "a\x85b"),
        ("line separator", "a\u2028b"),
        ("byte-order mark", "\ufeffa"),
        ("non-character", "a\ufffeb"),
        ("replacement character", "a\ufffdb"),
        ("emoji", "a\U0001f600"),
        ("space", "a b"),
        ("65 characters", "u" * 65),
        ("empty", ""),
    ]:
        cases.append(validation(f"UserName {name}", iam("CreateUser", UserName=value)))
    for name, value in [
        ("NUL", "/a\x00/"),
        ("no leading slash", "a/"),
        ("unicode", "/é/"),
        ("513 characters", "/" + "a" * 511 + "/"),
    ]:
        cases.append(validation(f"Path {name}", iam("CreateUser", UserName="u", Path=value)))
    for name, raw in [
        ("invalid UTF-8", b"%FF%FE"),
        ("bad percent-escape", b"%ZZ"),
        ("lone percent", b"%"),
        ("overlong UTF-8", b"%C0%AF"),
        ("encoded surrogate", b"%ED%A0%80"),
        ("raw invalid UTF-8", b"\xff\xfe"),
        ("plus as space", b"a+b"),
    ]:
        cases.append(validation(f"UserName {name}", b"Action=CreateUser&Version=2010-05-08&UserName=" + raw))
    policy = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
    for name, value in [
        ("control character", "a\x01b"),
        ("NUL", "\x00"),
        ("non-character", "\uffff"),
        ("1,001 characters", "d" * 1001),
    ]:
        cases.append(
            validation(
                f"Description {name}",
                iam("CreatePolicy", PolicyName="p", PolicyDocument=policy, Description=value),
            )
        )
    cases.append(
        validation(
            "context value with a control character",
            iam(
                "SimulateCustomPolicy",
                **{
                    "PolicyInputList.member.1": policy,
                    "ActionNames.member.1": "iam:GetUser",
                    "ContextEntries.member.1.ContextKeyName": "aws:username",
                    "ContextEntries.member.1.ContextKeyType": "string",
                    "ContextEntries.member.1.ContextKeyValues.member.1": "a\x01b",
                },
            ),
        )
    )
    cases.append(
        validation(
            "account property value with a NUL",
            iam(
                "PutAccountProperties", **{"Properties.entry.1.key": "k", "Properties.entry.1.value": "\x00"}
            ),
        )
    )
    role = "arn:aws:iam::123456789012:role/r"
    for name, tag in [("NUL", "a\x00b"), ("control character", "\x01"), ("non-character", "\ufffe")]:
        cases.append(
            validation(
                f"session tag value {name}",
                sts(
                    "AssumeRole",
                    RoleArn=role,
                    RoleSessionName="s",
                    **{"Tags.member.1.Key": "k", "Tags.member.1.Value": tag},
                ),
                STS,
            )
        )
        cases.append(
            validation(
                f"transitive tag key {name}",
                sts("AssumeRole", RoleArn=role, RoleSessionName="s", **{"TransitiveTagKeys.member.1": tag}),
                STS,
            )
        )
    # The MFA serial number (an ARN of path and name) has 256 characters at most.
    cases.append(
        validation(
            "MFA device name of 300 characters", iam("CreateVirtualMFADevice", VirtualMFADeviceName="m" * 300)
        )
    )
    cases.append(
        validation(
            "MFA device path and name over 256 characters",
            iam("CreateVirtualMFADevice", VirtualMFADeviceName="m" * 100, Path="/" + "p" * 200 + "/"),
        )
    )
    cases.append(validation("required member missing", iam("CreateUser")))
    cases.append(
        validation(
            "tag key 129 characters",
            iam("TagUser", UserName="u", **{"Tags.member.1.Key": "k" * 129, "Tags.member.1.Value": "v"}),
        )
    )
    return cases


CASES = _duplicates_and_junk() + _indexes() + _numbers() + _characters()
