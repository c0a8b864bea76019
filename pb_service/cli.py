"""``flask pb ...``: operations commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from pb_service.core.validation import ServiceValidationError

pb_cli = AppGroup("pb", help="pb-service operations.")


@pb_cli.command("create-staff")
@click.argument("email")
@click.option("--name", default="Programme staff", show_default=True, help="Display name.")
@click.password_option(help="Password (asked for when not given).")
def create_staff_command(email: str, name: str, password: str) -> None:
    """Create (or promote) a programme-staff account."""
    from pb_service.accounts.services import create_staff

    try:
        user = create_staff(email, password, name)
    except ServiceValidationError as error:
        raise click.UsageError("; ".join(m for messages in error.errors.values() for m in messages)) from error
    click.echo(f"Programme staff account ready: {user.email}")


@pb_cli.command("demo")
def demo_command() -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from pb_service.demo import load_demo

    for line in load_demo():
        click.echo(line)


@pb_cli.command("demo-code")
@click.argument("email")
def demo_code_command(email: str) -> None:
    """Print the current sign-in code of a demo official (demo accounts only, never in production)."""
    import pyotp
    from flask import current_app

    from pb_service.accounts.services import normalise_email, user_by_email
    from pb_service.demo import demo_accounts_with_second_factor, demo_totp_secret

    email = normalise_email(email)
    if current_app.config["PB_ENV"] == "production":
        raise click.UsageError("demo-code is refused in production")
    if email not in demo_accounts_with_second_factor():
        raise click.UsageError(f"{email} is not a demo official; demo-code prints codes of the demo accounts only")
    user = user_by_email(email)
    if user is None or user.totp_secret != demo_totp_secret(email):
        raise click.UsageError(f"{email} does not use the demo authenticator key (run `flask pb demo` first)")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@pb_cli.command(
    "tally",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.pass_context
def tally_command(context: click.Context) -> None:
    """Compute a Pabulib file's outcome: the same options as ``python -m pb_service.rules tally``."""
    from pb_service.rules.cli import main

    context.exit(main(["tally", *context.args], prog="flask pb"))


hub_cli = AppGroup("hub", help="Knowledge hub.")
pb_cli.add_command(hub_cli)


@hub_cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind registered people of hub events starting within 48 hours (run it hourly)."""
    from pb_service.hub.services import send_reminders

    click.echo(f"Reminders sent: {send_reminders()}")
