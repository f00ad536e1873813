"""The ``credo`` command line: server commands and the ``aws configure`` family."""
