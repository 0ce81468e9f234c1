"""`redub`: one command for every process and chore."""

import argparse
import asyncio
import sys
from pathlib import Path
from uuid import UUID

from libs.config.settings import Settings, get_settings
from libs.observability.logging import configure_logging
from redub.cli.client_commands import add_client_commands, run_client_command

CLIENT_COMMANDS = {"submit", "jobs", "show", "cancel", "delete"}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen subcommand."""
    parser = argparse.ArgumentParser(prog="redub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    serve = sub.add_parser("serve", help="run one service")
    serve.add_argument("service", choices=_services())
    sub.add_parser("dev", help="run the whole system on this machine")
    demo = sub.add_parser("demo", help="dub a demo programme end to end")
    demo.add_argument("--out", type=Path, default=Path("out"))
    # Languages the offline translator (Apertium) really translates and espeak-ng speaks.
    demo.add_argument("--languages", default="es,ca")
    demo.add_argument("--voice", type=Path, default=None, help="a voice stem to use instead")
    sub.add_parser("replay", help="rebuild the progress views from job_events")
    republish = sub.add_parser(
        "republish", help="rebuild the JetStream stream from job_events (PostgreSQL is the record)"
    )
    republish.add_argument(
        "--from", dest="from_position", type=int, default=1, help="first log position (1)"
    )
    from redub.cli.billing_command import add_arguments as billing_arguments

    billing_arguments(sub.add_parser("billing", help="billing exports replayed from job_events"))
    docs = sub.add_parser("docs", help="generated documentation")
    docs.add_argument("topic", choices=("events",), help="events: the event catalogue")
    docs.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    docs.add_argument("--check", action="store_true", help="fail if --out is not up to date")
    janitor = sub.add_parser(
        "janitor", help="purge by hand what is due: jobs past retention, stale uploads, scratch"
    )
    janitor.add_argument("action", nargs="?", choices=["purge"], default="purge")
    janitor.add_argument("--dry-run", action="store_true", help="only list what is due")
    janitor.add_argument(
        "--older-than",
        default=None,
        metavar="AGE",
        help="purge jobs finished longer ago than AGE (48h, 30m, 2d), whatever their retention",
    )
    token = sub.add_parser("token", help="mint a development JWT")
    token.add_argument("--user", type=UUID, default=None)
    add_client_commands(sub)
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, service=getattr(args, "service", args.command))
    if args.command == "dev":
        from redub.cli.dev import run_dev

        run_dev(settings)  # signal handling wants the main thread, outside the event loop
        return 0
    return int(asyncio.run(_run(args, settings)) or 0)


def _services() -> tuple[str, ...]:
    from redub.registry import SERVICES

    return SERVICES


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in CLIENT_COMMANDS:
        return await run_client_command(args, settings)
    match args.command:
        case "migrate":
            from libs.schema.app_role import ensure_app_login
            from libs.schema.migrate import migrate

            owner = settings.owner_database_url or settings.database_url
            applied = migrate(_require(owner, "REDUB_OWNER_DATABASE_URL or DATABASE_URL"))
            print(f"applied {applied} migration(s)")
            if settings.app_db_user and settings.app_db_password:
                assert owner is not None
                ensure_app_login(owner, settings.app_db_user, settings.app_db_password)
                print(f"role {settings.app_db_user} may connect as a member of redub_app")
        case "serve":
            await _serve(args.service, settings)
        case "demo":
            from redub.cli.demo import run_demo

            langs = [x.strip() for x in args.languages.split(",") if x.strip()]
            return await run_demo(settings, args.out, langs, args.voice)
        case "replay":
            from redub.cli.replay_command import run_replay

            await run_replay(settings)
        case "billing":
            from redub.cli.billing_command import run_billing

            return await run_billing(settings, args)
        case "docs":
            from redub.cli.docs_command import run_docs

            return run_docs(args.out, args.check)
        case "republish":
            from redub.cli.republish_command import run_republish

            await run_republish(settings, args.from_position)
        case "janitor":
            from redub.cli.janitor_command import parse_age, run_janitor

            try:
                older = parse_age(args.older_than) if args.older_than else None
            except ValueError as exc:
                print(f"redub janitor: {exc}", file=sys.stderr)
                return 2
            await run_janitor(settings, args.dry_run, older)
        case "token":
            from uuid import uuid4

            from libs.auth.tokens import mint_token
            from redub.runtime.dev_secrets import dev_secrets

            secret = settings.jwt_secret or dev_secrets(settings.state_dir).jwt
            print(mint_token(args.user or uuid4(), secret))
    return 0


async def _serve(service: str, settings: Settings) -> None:
    if service == "gateway":
        from redub.wiring.gateway import serve_gateway

        await serve_gateway(settings)
        return
    from redub.registry import STAGES
    from redub.runtime.serve_stage import serve_stage
    from redub.wiring.janitor import sweep_forever

    extras = (sweep_forever,) if service == "janitor" else ()
    await serve_stage(settings, STAGES[service], extras)


def _require(value: str | None, name: str) -> str:
    if not value:
        print(f"redub: set {name}", file=sys.stderr)
        raise SystemExit(2)
    return value


if __name__ == "__main__":
    sys.exit(main())
