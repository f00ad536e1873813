"""credo's tests.

botocore signs with the AWS CRT when ``awscrt`` is installed (awscurl brings it in), and the CRT
reads the clock itself, out of reach of the tests that sign "as of" a moved server clock. The
test clients sign with botocore's own SigV4 (set here, before anything imports botocore);
``tests/compat/test_crt_signing.py`` signs with the CRT.
"""

import os

os.environ.setdefault("BOTO_DISABLE_CRT", "true")
