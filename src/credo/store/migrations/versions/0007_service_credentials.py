"""Service-specific credentials and server certificates.

Revision ID: 0007
"""

from __future__ import annotations

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
