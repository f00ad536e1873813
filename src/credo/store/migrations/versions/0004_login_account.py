"""Login profiles, password policy, account aliases, credential reports.

Revision ID: 0004
"""

from __future__ import annotations

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
