"""``credo add`` / ``credo remove``: keys into the keychain, botocore's credential_process out of it."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.cli.conftest import CREDO, AwsFiles, Result
from tests.cli.keychain_support import (
    PASSPHRASE,
    IamKey,
    files_containing,
    key_only_csv,
    keychain_env,
    new_user_csv,
    new_user_key,
    run_on_terminal,
)
from tests.conftest import Server

from credo.client.encrypted_file import EncryptedFileStore
from credo.client.keychain import SESSION_SERVICE, Keychain

Run = Callable[..., Result]
ALICE = "arn:aws:iam::123456789012:user/alice"


@pytest.fixture
def kc(aws_files: AwsFiles) -> dict[str, str]:
    """The encrypted-file keychain inside the temporary home."""
    return keychain_env(aws_files)


def open_test_keychain(kc: dict[str, str]) -> Keychain:
    """The same file, opened in-process to look inside it."""
    return Keychain(EncryptedFileStore(kc["CREDO_KEYRING_FILE"], lambda new: PASSPHRASE))


def add_from_csv(
    credo: Run, kc: dict[str, str], tmp_path: Path, server: Server, key: IamKey, *extra: str
) -> Result:
    path = tmp_path / f"{key.access_key_id}_accessKeys.csv"
    path.write_bytes(key_only_csv(key))
    return credo(
        "add",
        "dev",
        "--from-csv",
        str(path),
        "--endpoint-url",
        server.endpoint,
        "--region",
        "us-east-1",
        *extra,
        env=kc,
    )


def caller_arn(aws: Run, kc: dict[str, str], profile: str = "dev") -> str:
    result = aws("sts", "get-caller-identity", "--profile", profile, env=kc)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["Arn"])


@pytest.mark.parametrize("shape", [key_only_csv, new_user_csv], ids=["key-download", "new-user-download"])
def test_console_csv_to_aws_cli_with_no_secret_on_disk(
    server: Server,
    iam: Any,
    aws_files: AwsFiles,
    credo: Run,
    aws: Run,
    kc: dict[str, str],
    tmp_path: Path,
    shape: Callable[[IamKey], bytes],
) -> None:
    """Either console CSV goes into the keychain; the aws CLI signs as the user; no file in the home holds the secret."""
    key = new_user_key(iam, "alice")
    csv_path = tmp_path / "alice_credentials.csv"  # beside the home, as a browser download would be
    csv_path.write_bytes(shape(key))
    result = credo(
        "add",
        "dev",
        "--from-csv",
        str(csv_path),
        "--endpoint-url",
        server.endpoint,
        "--region",
        "us-east-1",
        env=kc,
    )
    assert result.returncode == 0, result.stderr
    assert f"Stored access key {key.access_key_id} for profile dev" in result.stdout
    assert caller_arn(aws, kc) == ALICE
    assert files_containing(aws_files.home, key.secret_access_key) == []
    assert key.secret_access_key not in result.stdout + result.stderr
    config, credentials = aws_files.read()
    assert credentials is None
    assert config is not None
    assert "credential_process = " in config and "credential-process dev" in config
    assert f"endpoint_url = {server.endpoint}" in config


def test_prompted_secret_is_not_echoed(
    server: Server, iam: Any, aws_files: AwsFiles, aws: Run, kc: dict[str, str]
) -> None:
    """Without --from-csv the key is asked for, the secret with echo off."""
    key = new_user_key(iam, "alice")
    dialogue = [("Access key ID: ", key.access_key_id), ("Secret access key: ", key.secret_access_key)]
    status, shown = run_on_terminal(
        [CREDO, "add", "dev", "--endpoint-url", server.endpoint, "--region", "us-east-1"],
        {**aws_files.env, **kc},
        dialogue,
    )
    assert status == 0, shown
    assert key.access_key_id in shown
    assert key.secret_access_key not in shown
    assert caller_arn(aws, kc) == ALICE


def test_plaintext_keys_of_the_profile_are_removed(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, aws: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """Plaintext keys botocore would prefer are taken out; comments and other profiles stay."""
    other = "[other]\naws_access_key_id = AKIAOTHEREXAMPLE0001\naws_secret_access_key = other-secret\n"
    aws_files.write(
        "# my config\n[profile dev]\naws_access_key_id = AKIAOLDCONFIG0000001\naws_secret_access_key = config-secret\n",
        f"# keys\n[dev]\naws_access_key_id = AKIAOLDKEYEXAMPLE001\naws_secret_access_key = old-secret\n\n{other}",
    )
    key = new_user_key(iam, "alice")
    result = add_from_csv(credo, kc, tmp_path, server, key)
    assert result.returncode == 0, result.stderr
    assert f"Removed the profile's plaintext keys from {aws_files.credentials}." in result.stdout
    config, credentials = aws_files.read()
    assert credentials == f"# keys\n[dev]\n\n{other}"
    assert config is not None and config.startswith("# my config\n[profile dev]\ncredential_process = ")
    assert "config-secret" not in config
    assert caller_arn(aws, kc) == ALICE


def test_csv_with_two_keys_is_refused(
    aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """A CSV holding several keys is refused before anything is stored."""
    path = tmp_path / "users.csv"
    path.write_text(
        "User Name,Access key ID,Secret access key\n"
        "alice,AKIAALICEEXAMPLE0001,alice-secret\nbob,AKIABOBEXAMPLE000001,bob-secret\n"
    )
    result = credo("add", "dev", "--from-csv", str(path), env=kc)
    assert result.returncode == 255
    assert result.stderr == f"{path} holds 2 access keys; credo add stores one (use the CSV of one key)\n"
    assert aws_files.read() == (None, None)
    assert not Path(kc["CREDO_KEYRING_FILE"]).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Access key ID,Secret access key\r\nnot-a-key,s\r\n",
            'CSV row 2: column "Access key ID" is not an access key ID',
        ),
        ("Secret access key\r\ns\r\n", 'CSV header (row 1) lacks the column "Access key ID"'),
    ],
)
def test_malformed_csv_is_refused(
    credo: Run, kc: dict[str, str], tmp_path: Path, text: str, message: str
) -> None:
    """The CSV reader's errors name the row and column; nothing is stored."""
    path = tmp_path / "keys.csv"
    path.write_text(text)
    result = credo("add", "dev", "--from-csv", str(path), env=kc)
    assert result.returncode == 255
    assert result.stderr.startswith(message)
    assert not Path(kc["CREDO_KEYRING_FILE"]).exists()


def test_no_os_keychain_names_the_file_backend(aws_files: AwsFiles, credo: Run, tmp_path: Path) -> None:
    """Without an OS keychain credo says how to use the file backend, and writes nothing."""
    path = tmp_path / "keys.csv"
    path.write_bytes(key_only_csv(IamKey("alice", "AKIAALICEEXAMPLE0001", "alice-secret")))
    # keyring's "no backend" answer, whatever keychain the machine running the tests has.
    result = credo(
        "add", "dev", "--from-csv", str(path), env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    )
    assert result.returncode == 255
    assert "No OS keychain is available" in result.stderr
    assert "export CREDO_KEYRING_BACKEND=file" in result.stderr
    assert aws_files.read() == (None, None)


def test_keychain_file_is_sealed(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """The file is 0600 JSON holding only ciphertext; a wrong passphrase or an altered header opens nothing."""
    key = new_user_key(iam, "alice")
    assert add_from_csv(credo, kc, tmp_path, server, key).returncode == 0
    path = Path(kc["CREDO_KEYRING_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert sorted(document) == ["ciphertext", "format", "kdf", "nonce", "version"]
    assert key.access_key_id not in path.read_text()
    wrong = credo("credential-process", "dev", env={**kc, "CREDO_KEYRING_PASSPHRASE": "wrong"})
    assert wrong.returncode == 255
    assert wrong.stderr == f"Cannot open {path}: wrong passphrase (or the file was altered)\n"
    document["kdf"]["n"] = 2**14
    path.write_text(json.dumps(document))
    altered = credo("credential-process", "dev", env=kc)
    assert altered.returncode == 255
    assert "wrong passphrase (or the file was altered)" in altered.stderr


def test_new_keys_invalidate_cached_sessions(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """After credo add replaces a key, neither the profile's session nor a role session made from it is re-used."""
    role_arn = iam.create_role(
        RoleName="admin",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
            }
        ),
    )["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    first = new_user_key(iam, "alice", policy)
    assert add_from_csv(credo, kc, tmp_path, server, first).returncode == 0
    aws_files.config.write_text(
        aws_files.config.read_text()
        + f"[profile admin]\nrole_arn = {role_arn}\nsource_profile = dev\nendpoint_url = {server.endpoint}\n"
    )

    def issued(profile: str) -> str:
        result = credo("credential-process", profile, env=kc)
        assert result.returncode == 0, result.stderr
        return str(json.loads(result.stdout)["AccessKeyId"])

    session, role_session = issued("dev"), issued("admin")
    assert (issued("dev"), issued("admin")) == (session, role_session)  # cached
    second = new_user_key(iam, "alice")
    assert add_from_csv(credo, kc, tmp_path, server, second).returncode == 0
    assert issued("admin") != role_session
    assert issued("dev") != session


def test_remove_deletes_key_sessions_and_the_process_line(
    server: Server, iam: Any, aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """credo remove takes the key and every session made from it out of the keychain, and the profile's line."""
    key = new_user_key(iam, "alice")
    assert add_from_csv(credo, kc, tmp_path, server, key).returncode == 0
    assert credo("credential-process", "dev", env=kc).returncode == 0
    keychain = open_test_keychain(kc)
    assert keychain.keys("dev") is not None
    assert keychain.session(SESSION_SERVICE, "dev") is not None
    refused = credo("remove", "dev", env=kc, input="n\n")
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    result = credo("remove", "dev", "--yes", env=kc)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Removed the access key of profile dev and 1 cached session(s).\n")
    assert keychain.keys("dev") is None
    assert keychain.session(SESSION_SERVICE, "dev") is None
    config, _ = aws_files.read()
    assert config is not None and "credential_process" not in config
    assert f"endpoint_url = {server.endpoint}" in config
    again = credo("remove", "dev", "--yes", env=kc)
    assert again.returncode == 255
    assert again.stderr.startswith("Profile dev has no access key in the encrypted file ")


def test_cannot_add_under_an_unwritable_name(credo: Run, kc: dict[str, str]) -> None:
    """A profile name that cannot be a config section is refused before any prompt."""
    result = credo("add", "bad name", env=kc)
    assert result.returncode == 255
    assert result.stderr == "'bad name' cannot be a profile name (no spaces, brackets, quotes, # or ;)\n"


def test_credential_process_is_run_by_path(
    aws_files: AwsFiles, credo: Run, kc: dict[str, str], tmp_path: Path
) -> None:
    """The written line names a credo that botocore can run even without credo on its PATH."""
    path = tmp_path / "keys.csv"
    path.write_bytes(key_only_csv(IamKey("alice", "AKIAALICEEXAMPLE0001", "alice-secret")))
    result = credo("add", "dev", "--from-csv", str(path), env={**kc, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    config, _ = aws_files.read()
    assert config is not None
    assert f"credential_process = {CREDO} credential-process dev\n" in config


def test_file_passphrase_is_asked_on_the_terminal(
    aws_files: AwsFiles, kc: dict[str, str], tmp_path: Path
) -> None:
    """Without CREDO_KEYRING_PASSPHRASE the file's passphrase is asked, hidden: twice to create it, once to open it."""
    env = {**aws_files.env, **kc}
    del env["CREDO_KEYRING_PASSPHRASE"]
    keychain_file = kc["CREDO_KEYRING_FILE"]
    path = tmp_path / "keys.csv"
    path.write_bytes(key_only_csv(IamKey("alice", "AKIAALICEEXAMPLE0001", "alice-secret")))
    add = [CREDO, "add", "dev", "--from-csv", str(path)]
    new, repeat = f"New passphrase for the credo keychain file {keychain_file}: ", "Repeat the passphrase: "
    status, shown = run_on_terminal(add, env, [(new, "first-phrase"), (repeat, "other-phrase")])
    assert status == 255
    assert "The passphrases differ; nothing was stored" in shown
    assert aws_files.read() == (None, None)
    status, shown = run_on_terminal(add, env, [(new, "first-phrase"), (repeat, "first-phrase")])
    assert status == 0, shown
    assert "first-phrase" not in shown
    opened = f"Passphrase for the credo keychain file {keychain_file}: "
    status, shown = run_on_terminal([CREDO, "list"], env, [(opened, "first-phrase")])
    assert status == 0, shown
    assert "first-phrase" not in shown
    assert "****************0001" in shown
