"""Groups, managed and inline policies, attachments.

Revision ID: 0002
"""

from __future__ import annotations

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
