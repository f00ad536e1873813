"""credo's tests.

botocore signs with the AWS CRT when ``awscrt`` is installed (awscurl brings it in), and the CRT
reads the clock itself, out of reach of the tests that sign "as of" a moved server clock. The
test clients sign with botocore's own SigV4 (set here, before anything imports botocore);
``tests/compat/test_crt_signing.py`` signs with the CRT.

Passwords are hashed at argon2id's least cost (``CREDO_INSECURE_FAST_PASSWORD_HASHING``) in every process the tests start (and in the
tests' own): the suite hashes and verifies over a thousand of them, at about a quarter of a
CPU-second each with the real parameters. ``tests/test_passwords.py`` checks that credo uses the
real ones when the variable is unset; ``tests/server/test_blocking_operations.py`` hashes with them.
"""

import os

os.environ.setdefault("BOTO_DISABLE_CRT", "true")
os.environ.setdefault("CREDO_INSECURE_FAST_PASSWORD_HASHING", "1")
