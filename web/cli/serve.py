"""`gatepost serve`: the web app and a publishing worker in one process."""

from __future__ import annotations

import logging

import click
import waitress

from scheduler import schema
from scheduler.demo import DEMO_SIGN_INS, seed_demo
from web.app import create_app
from web.cli.context import CliContext, pass_cli, reports_errors


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", is_flag=True, help="Seed demo people, channels and a release-day thread.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@pass_cli
@reports_errors
def serve(cli: CliContext, host: str, port: int, demo: bool, threads: int) -> None:
    """Migrate the database, then serve the web UI on a production WSGI server (waitress)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    database = cli.database
    schema.upgrade(database.engine)
    if demo:
        with database.unit_of_work() as session:
            seeded = seed_demo(session, cli.settings)
        if seeded:
            click.echo("Demo data added. Sign in with any of these:")
        else:
            click.echo("The database already has people, so no demo data was added. Demo sign-ins:")
        for sign_in in DEMO_SIGN_INS:
            click.echo(f"  {sign_in.role.value:<9} {sign_in.email}  password: {sign_in.password}")
    app = create_app(cli.settings, database=database)
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    click.echo(f"Gatepost is running at http://{shown_host}:{port}/ (press Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="Gatepost")
