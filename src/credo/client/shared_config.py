"""The profiles botocore sees in the shared config and credentials files, and edits to them.

Mirrors ``botocore.configloader.build_profile_map`` and ``Session.full_config``: config
sections ``[default]`` / ``[profile NAME]`` are profiles, ``[services NAME]`` and
``[sso-session NAME]`` are sub-sections, and the credentials file's ``[NAME]`` values
override the config file's for the same profile. Reading needs no botocore import, which
keeps ``credo configure list`` fast.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from credo.client.config_files import (
    IniDocument,
    Value,
    config_file_path,
    credentials_file_path,
    read_ini,
    remove_option,
    set_option,
    write_atomic,
)

CREDENTIAL_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
PROFILE_ENV_VARS = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


def _sub_section(name: str, kind: str) -> str | None:
    """``profile dev`` → ``dev`` for kind ``profile``, as botocore's ``_parse_section``."""
    if not name.startswith(kind):
        return None
    try:
        parts = shlex.split(name)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 and parts[0] == kind else None


def config_section_for(profile: str) -> str:
    """The config-file section holding ``profile``: ``default`` or ``profile NAME``."""
    return "default" if profile == "default" else f"profile {profile}"


@dataclass
class SharedConfig:
    """Both files, parsed; the unit every configure command reads and edits."""

    config: IniDocument
    credentials: IniDocument

    def __post_init__(self) -> None:
        self._loaded = (self.config.text, self.credentials.text)

    def save(self) -> list[str]:
        """Write whichever files changed since loading; returns their paths."""
        written = []
        for loaded, document in zip(self._loaded, (self.config, self.credentials), strict=True):
            if loaded != document.text:
                write_atomic(document.path, document.text)
                written.append(document.path)
        self._loaded = (self.config.text, self.credentials.text)
        return written

    def _config_sections(self, kind: str) -> dict[str, dict[str, Value]]:
        found: dict[str, dict[str, Value]] = {}
        for name, section in self.config.sections.items():
            if kind == "profile" and name == "default":
                found["default"] = section.values()
                continue
            sub_name = _sub_section(name, kind)
            if sub_name is not None:
                found[sub_name] = section.values()
        return found

    def config_profiles(self) -> dict[str, dict[str, Value]]:
        return self._config_sections("profile")

    def credential_profiles(self) -> dict[str, dict[str, Value]]:
        return {name: section.values() for name, section in self.credentials.sections.items()}

    def services(self) -> dict[str, dict[str, Value]]:
        return self._config_sections("services")

    def sso_sessions(self) -> dict[str, dict[str, Value]]:
        return self._config_sections("sso-session")

    def profile_names(self) -> list[str]:
        """Config-file profiles in file order, then credentials-only ones (as botocore)."""
        names = list(self.config_profiles())
        names += [name for name in self.credential_profiles() if name not in names]
        return names

    def profile(self, name: str) -> dict[str, Value] | None:
        """The merged settings of profile ``name``; None when neither file has it."""
        config = self.config_profiles().get(name)
        credentials = self.credential_profiles().get(name)
        if config is None and credentials is None:
            return None
        merged = dict(config or {})
        merged.update(credentials or {})
        return merged

    def set_config(self, section: str, key: str, value: Value) -> None:
        self.config = set_option(self.config, section, key, value)

    def set_credential(self, profile: str, key: str, value: str) -> None:
        self.credentials = set_option(self.credentials, profile, key, value)

    def remove_credential(self, profile: str, key: str) -> None:
        self.credentials = remove_option(self.credentials, profile, key)

    def set_profile_value(self, profile: str, key: str, value: Value) -> None:
        """Keys go to the credentials file, everything else to the config file."""
        if key in CREDENTIAL_KEYS and isinstance(value, str):
            self.set_credential(profile, key, value)
        else:
            self.set_config(config_section_for(profile), key, value)


def load_shared_config() -> SharedConfig:
    """Read both files named by the environment (missing files are empty)."""
    return SharedConfig(config=read_ini(config_file_path()), credentials=read_ini(credentials_file_path()))


def profile_from_environment() -> tuple[str, str] | None:
    """The profile named by the environment and the variable naming it, as botocore looks."""
    for variable in PROFILE_ENV_VARS:
        value = os.environ.get(variable)
        if value:
            return value, variable
    return None


def effective_profile(option: str | None) -> str:
    """``--profile``, else the environment's profile, else ``default``."""
    if option:
        return option
    from_env = profile_from_environment()
    return from_env[0] if from_env else "default"


def mask(value: str | None) -> str:
    """``****************ABCD``: what aws shows of a secret; ``None`` when unset."""
    return "None" if value is None else "*" * 16 + value[-4:]


DEFAULT_REGION = "us-east-1"


def region_of(values: dict[str, Value]) -> str:
    """The profile's region, else the environment's, else us-east-1 (what STS calls are signed for)."""
    region = values.get("region")
    if isinstance(region, str) and region.strip():
        return region.strip()
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
