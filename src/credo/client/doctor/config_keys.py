"""The settings botocore, the aws CLI and credo read from the shared files, and near misses of them.

Collected from botocore itself where it lists them (``configprovider``'s session variables
and proxy settings, the credential providers' class constants), plus the settings AWS
documents for the files ("Configuration and credential file settings" in the aws CLI
guide) that botocore reads elsewhere, the keys saml2aws writes, and credo's own ``credo_*``.
The environment variables are collected the same way.
"""

from __future__ import annotations

import difflib
import functools
import inspect

# AWS's documented file settings that botocore reads outside configprovider's table.
DOCUMENTED_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "aws_account_id",
        "credential_process",
        "credential_source",
        "duration_seconds",
        "endpoint_url",
        "external_id",
        "login_session",
        "mfa_serial",
        "output",
        "role_arn",
        "role_session_name",
        "s3",
        "services",
        "source_profile",
        "sso_account_id",
        "sso_region",
        "sso_registration_scopes",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
        # The aws CLI's own.
        "cli_auto_prompt",
        "cli_binary_format",
        "cli_follow_urlparam",
        "cli_help_output",
        "cli_history",
        "cli_pager",
        "cli_timestamp_format",
        # Written by saml2aws (and credo login oidc/saml) beside a session.
        "x_principal_arn",
        "x_security_token_expires",
    }
)
# credo's own settings (botocore ignores them).
CREDO_KEYS = frozenset(
    {
        "credo_oidc_client_id",
        "credo_oidc_issuer",
        "credo_oidc_redirect_port",
        "credo_role_arn",
        "credo_saml_idp_url",
        "credo_saml_username",
    }
)
SSO_SESSION_KEYS = frozenset({"sso_start_url", "sso_region", "sso_registration_scopes"})
# Variables the aws CLI, the SDKs and credo read that configprovider does not list.
DOCUMENTED_VARIABLES = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ACCOUNT_ID",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_PAGER",
        "AWS_CLI_AUTO_PROMPT",
        "AWS_CLI_FILE_ENCODING",
        "AWS_CLI_HISTORY_FILE",
        "AWS_CLI_S3_MV_VALIDATE_SAME_S3_PATHS",
        "AWS_DATA_PATH",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_CA_BUNDLE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_DEFAULT_OUTPUT",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_EXECUTION_ENV",
    }
)


@functools.cache
def _botocore_names() -> tuple[frozenset[str], frozenset[str]]:
    """(file settings, environment variables) botocore's own tables and constants name."""
    import botocore.configprovider
    import botocore.credentials

    keys: set[str] = set()
    variables: set[str] = set()
    tables = (
        botocore.configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES,
        botocore.configprovider.DEFAULT_PROXIES_CONFIG_VARS,
    )
    for table in tables:
        for entry in table.values():
            config_name, env_name = entry[0], entry[1]
            for names, into in ((config_name, keys), (env_name, variables)):
                if isinstance(names, str):
                    into.add(names)
                elif names:
                    into.update(names)
    for _, provider in inspect.getmembers(botocore.credentials, inspect.isclass):
        for attribute, value in vars(provider).items():
            if not attribute.endswith(("_VAR", "_KEY", "ACCOUNT_ID")) or not isinstance(value, str):
                continue
            if value.startswith("AWS_"):
                variables.add(value)
            elif value.islower():  # not boto 2's AWSAccessKeyId, which no shared file holds
                keys.add(value)
    return frozenset(keys), frozenset(variables)


def known_keys() -> frozenset[str]:
    return _botocore_names()[0] | DOCUMENTED_KEYS | CREDO_KEYS


def known_variables() -> frozenset[str]:
    return _botocore_names()[1] | DOCUMENTED_VARIABLES


def near_miss(name: str, known: frozenset[str], cutoff: float = 0.55) -> str | None:
    """The known name ``name`` was most likely meant to be (``mfa_arn`` → ``mfa_serial``), if any."""
    normalized = name.lower().replace("-", "_")
    if normalized in known and normalized != name:
        return normalized
    found = difflib.get_close_matches(normalized, sorted(known), n=1, cutoff=cutoff)
    return found[0] if found else None
