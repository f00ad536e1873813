"""The sign-in decoy: a hash as costly to verify as a real one, not made at import."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters

from credo.passwords import decoy_hash, hash_password, verify_password


def test_the_decoy_costs_what_a_real_hash_costs_and_matches_nothing_typed() -> None:
    assert extract_parameters(decoy_hash()) == extract_parameters(hash_password("Any-Password-1"))
    assert decoy_hash() == decoy_hash()  # one per process
    assert not verify_password(decoy_hash(), "")


def test_importing_the_sign_in_code_hashes_nothing() -> None:
    """Every process that imports the console would pay argon2 (most of a second here) at start."""
    code = (
        "import credo.console.signin, credo.portal.password_signin, credo.passwords\n"
        "print(credo.passwords.decoy_hash.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
