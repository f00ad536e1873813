"""Virtual MFA devices and sessions.

Revision ID: 0005
"""

from __future__ import annotations

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
