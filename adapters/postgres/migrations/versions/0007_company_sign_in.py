"""Company sign-in (OpenID Connect): pending logins (single use, short-lived, keyed by the
digest of the state sent to the provider), the one-time authorization codes handed to the apps
(by digest; bound to client, redirect URI and PKCE challenge; the session of their exchange is
kept so that a second exchange can revoke it), identity links (issuer, subject) → user, and
the users' `oidc_linked` flag behind their read-only `auth_methods`, and how each session
signed in (`auth_sessions.auth_method`: existing ones `password`).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("users", sa.Column("oidc_linked", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.alter_column("users", "oidc_linked", server_default=None)
    op.add_column("auth_sessions", sa.Column("auth_method", sa.Text(), nullable=False, server_default="password"))
    op.alter_column("auth_sessions", "auth_method", server_default=None)

    op.create_table(
        "oidc_pending_logins",
        sa.Column("state_digest", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.Text(), nullable=False),
        sa.Column("app_state", sa.Text(), nullable=True),
        _stamp("created_at"),
        _stamp("expires_at"),
        sa.PrimaryKeyConstraint("state_digest", name=op.f("pk_oidc_pending_logins")),
    )
    op.create_index(op.f("ix_oidc_pending_logins_expires_at"), "oidc_pending_logins", ["expires_at"])

    op.create_table(
        "authorization_codes",
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.Text(), nullable=False),
        _stamp("created_at"),
        _stamp("expires_at"),
        _stamp("used_at", nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_authorization_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_sessions.id"],
            name=op.f("fk_authorization_codes_session_id_auth_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_authorization_codes")),
    )
    op.create_index(op.f("ix_authorization_codes_user_id"), "authorization_codes", ["user_id"])
    op.create_index(op.f("ix_authorization_codes_expires_at"), "authorization_codes", ["expires_at"])

    op.create_table(
        "identity_links",
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _stamp("created_at"),
        sa.Column("email", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_identity_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_identity_links")),
    )
    op.create_index(op.f("ix_identity_links_user_id"), "identity_links", ["user_id"])


def downgrade() -> None:
    op.drop_table("identity_links")
    op.drop_table("authorization_codes")
    op.drop_table("oidc_pending_logins")
    op.drop_column("auth_sessions", "auth_method")
    op.drop_column("users", "oidc_linked")
