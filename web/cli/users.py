"""`gatepost users ...`: add and list people."""

from __future__ import annotations

import click

from scheduler.identity.accounts import create_user, list_users
from scheduler.models import Role
from web.cli.context import CliContext, echo_table, pass_cli, reports_errors


@click.group("users")
def users() -> None:
    """Manage the people who use Gatepost."""


@users.command("create")
@click.option("--email", required=True, help="Their e-mail address; they sign in with it.")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--name", default="", help="Their name as shown in the app.")
@pass_cli
@reports_errors
def create(cli: CliContext, email: str, password: str, role: str, name: str) -> None:
    """Add a person with a role."""
    with cli.unit_of_work() as session:
        user = create_user(
            session, email=email, password=password, role=role, name=name, actor_label="cli"
        )
        click.echo(f"Created {user.role.value} {user.email} (id {user.id})")


@users.command("list")
@pass_cli
@reports_errors
def list_(cli: CliContext) -> None:
    """List everyone, with role and whether they use 2FA."""
    with cli.unit_of_work() as session:
        rows = [
            {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role.value,
                "2fa": "yes" if user.totp_enabled else "no",
                "active": "yes" if user.active else "no",
            }
            for user in list_users(session)
        ]
    echo_table(rows, ["id", "email", "name", "role", "2fa", "active"])
