"""Password hashes: argon2id's recommended cost unless a test suite asks for less; the sign-in
decoy, a hash as costly to verify as a real one, not made at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from argon2 import extract_parameters

from credo.passwords import decoy_hash, hash_password, verify_password
from credo.settings import insecure_fast_password_hashing
from tests.conftest import Server


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


def test_without_the_test_suites_variable_passwords_get_argon2s_recommended_cost() -> None:
    """Unset, as wherever real passwords are typed, CREDO_INSECURE_FAST_PASSWORD_HASHING leaves
    argon2id at RFC 9106's low-memory parameters (t=3, 64 MiB, 4 lanes), the decoy too; such a
    hash still verifies in a process hashing at the tests' cost."""
    code = (
        "import dataclasses, json\n"
        "from argon2 import extract_parameters\n"
        "from credo.passwords import decoy_hash, hash_password\n"
        "made = hash_password('Any-Password-1')\n"
        "used = [dataclasses.asdict(extract_parameters(h)) for h in (made, decoy_hash())]\n"
        "print(json.dumps([made, used], default=str))"
    )
    env = {k: v for k, v in os.environ.items() if k != "CREDO_INSECURE_FAST_PASSWORD_HASHING"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    made, parameters = json.loads(done.stdout)
    strong = {"type": "Type.ID", "version": 19, "salt_len": 16, "hash_len": 32}
    strong |= {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
    assert parameters == [strong, strong]
    assert verify_password(made, "Any-Password-1")
    assert not verify_password(made, "Any-Password-2")


def test_the_test_suite_hashes_at_the_least_cost_and_its_servers_say_so(server: Server) -> None:
    """The tests set the variable (tests/__init__.py): hashes cost almost nothing, and a server
    started with it names it among its start-up lines."""
    assert insecure_fast_password_hashing()
    parameters = extract_parameters(hash_password("Any-Password-1"))
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 8, 1)
    assert "CREDO_INSECURE_FAST_PASSWORD_HASHING is set: passwords are hashed at a test suite's cost" in (
        server.log()
    )
