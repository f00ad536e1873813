"""credo: a self-hosted, AWS-compatible IAM and STS server and credentials CLI."""

__version__ = "0.1.0"
