"""`redub billing export`: one period's usage lines as CSV, JSON lines or Parquet."""

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import asyncpg

from libs.billing.export import export_period
from libs.billing.formats import FORMATS, Format
from libs.billing.reader import Period
from libs.config.settings import Settings


def instant(text: str) -> datetime:
    """A period bound: a date (its midnight, UTC) or an ISO 8601 time (UTC if no offset)."""
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        t = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2026-11-01) or an ISO 8601 time"
        ) from exc
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `billing` command's subcommands and options."""
    sub = parser.add_subparsers(dest="billing_command", required=True)
    export = sub.add_parser(
        "export",
        help="usage lines of the events recorded in [--from, --to)",
        description="One row per usage line of each transcript, translation and speech event "
        "recorded in [--from, --to) (half-open, on recorded_at), in log order. The same period "
        "gives the same bytes once --to has passed. Totals go to stderr.",
    )
    export.add_argument(
        "--from", dest="start", type=instant, required=True, metavar="DATE", help="first instant"
    )
    export.add_argument(
        "--to", dest="end", type=instant, required=True, metavar="DATE", help="instant after"
    )
    export.add_argument("--user", type=UUID, default=None, help="only this user's jobs")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")


async def run_billing(settings: Settings, args: argparse.Namespace) -> int:
    """Run `billing export`; the lines to --out or stdout, the summary to stderr."""
    if not settings.database_url:
        print("redub: set DATABASE_URL", file=sys.stderr)
        return 2
    try:
        period = Period(args.start, args.end, args.user)
    except ValueError as exc:
        print(f"redub: {exc}", file=sys.stderr)
        return 2
    fmt: Format = args.format
    conn = await asyncpg.connect(settings.database_url)
    try:
        if args.out is None:
            totals = await export_period(conn, period, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            # Written beside the target and renamed: a failed export leaves no half file.
            partial = args.out.with_name(args.out.name + ".partial")
            try:
                with partial.open("wb") as out:
                    totals = await export_period(conn, period, fmt, out)
                partial.replace(args.out)
            finally:
                partial.unlink(missing_ok=True)
    finally:
        await conn.close()
    print(totals.summary(), file=sys.stderr)
    return 0
