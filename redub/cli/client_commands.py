"""`redub submit|jobs|show|cancel|delete`: the API from a terminal, over HTTP only."""

import argparse
import os
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from libs.config.settings import Settings
from redub.client.api_client import ApiFailure, RedubClient

console = Console()
STATUS_STYLE = {"completed": "green", "failed": "red", "cancelled": "yellow", "dubbed": "green"}


def add_client_commands(sub: Any) -> None:
    """Register the client's subcommands on the `redub` parser."""
    submit = sub.add_parser("submit", help="dub a voice and a background stem, then download")
    submit.add_argument("voice", type=Path)
    submit.add_argument("background", type=Path)
    submit.add_argument("--to", required=True, help="target languages, e.g. es,ca")
    submit.add_argument("--from", dest="source", default="en", help="source language")
    submit.add_argument("--out", type=Path, default=Path("out"))
    jobs = sub.add_parser("jobs", help="list your jobs, newest first")
    jobs.add_argument("--status", default=None)
    jobs.add_argument("--limit", type=int, default=20)
    for name, text in (
        ("show", "a job's progress"),
        ("cancel", "stop a job"),
        ("delete", "delete a job's artifacts now"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("job_id")
    for parser in sub.choices.values():
        if parser.prog.split()[-1] in {"submit", "jobs", "show", "cancel", "delete"}:
            parser.add_argument("--url", default=None, help="gateway URL (REDUB_GATEWAY_URL)")
            parser.add_argument("--token", default=None, help="bearer token (REDUB_TOKEN)")


async def run_client_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one client subcommand; a refused request exits 1 with the API's reason."""
    client = RedubClient(args.url or settings.gateway_url, _token(args, settings))
    try:
        match args.command:
            case "submit":
                return await _submit(client, args)
            case "jobs":
                _jobs_table(await client.jobs(args.status, args.limit))
            case "show":
                _show(await client.job(args.job_id))
            case "cancel":
                _show(await client.cancel(args.job_id))
            case "delete":
                job = await client.delete(args.job_id)
                console.print(f"deletion of job {job['job_id']}'s artifacts requested")
        return 0
    except ApiFailure as exc:
        console.print(f"[red]refused:[/] {exc}")
        return 1
    finally:
        await client.close()


async def _submit(client: RedubClient, args: argparse.Namespace) -> int:
    languages = [x.strip() for x in args.to.split(",") if x.strip()]
    ids = []
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
    ) as bars:
        for kind, path in (("voice", args.voice), ("background", args.background)):
            task = bars.add_task(f"{kind} {path.name}", total=path.stat().st_size)
            ids.append(await client.upload(path, kind, partial(bars.advance, task)))
    job = await client.submit(ids[0], ids[1], languages, args.source)
    job_id = job["job_id"]
    console.print(f"job [bold]{job_id}[/] submitted: {args.source} -> {', '.join(languages)}")
    async for event in client.follow(job_id):
        where = f" [{event['language']}]" if event.get("language") else ""
        why = f": {event['reason']}" if event.get("reason") else ""
        console.print(f"  {event['occurred_at'][11:19]} {event['type']}{where}{why}")
    final = await client.job(job_id)
    for lang, task in final["tasks"].items():
        if task["status"] == "dubbed":
            files = await client.download(job_id, lang, args.out / lang)
            console.print(f"[green]{lang}[/]: " + ", ".join(str(f) for f in files))
        else:
            reason = task.get("failure_reason") or task["status"]
            console.print(f"[red]{lang}[/]: {reason}")
    if final["status"] != "completed":
        reason = (final.get("failure") or {}).get("reason") or final["status"]
        console.print(f"[red]job {final['status']}:[/] {reason}")
        return 1
    return 0


def _jobs_table(jobs: list[dict[str, Any]]) -> None:
    table = Table("job", "status", "languages", "created")
    for j in jobs:
        style = STATUS_STYLE.get(j["status"], "")
        status = f"[{style}]{j['status']}[/]" if style else j["status"]
        table.add_row(j["job_id"], status, ",".join(j["target_languages"]), j["created_at"][:19])
    console.print(table)


def _show(job: dict[str, Any]) -> None:
    console.print(f"job [bold]{job['job_id']}[/]: {job['status']}")
    table = Table("language", "status", "translated", "synthesized", "mixed", "failure")
    for lang, t in job["tasks"].items():
        table.add_row(
            lang,
            t["status"],
            (t.get("translated_at") or "")[11:19],
            (t.get("synthesized_at") or "")[11:19],
            (t.get("mixed_at") or "")[11:19],
            t.get("failure_reason") or "",
        )
    console.print(table)
    for a in job.get("artifacts", []):
        console.print(f"  {a['language']}/{a['file']}  {a['size']} bytes")


def _token(args: argparse.Namespace, settings: Settings) -> str:
    token = args.token or os.environ.get("REDUB_TOKEN")
    if token:
        return str(token)
    # With `redub dev` on this state folder, sign in as a development user.
    from uuid import NAMESPACE_URL, uuid5

    from libs.auth.tokens import mint_token
    from redub.runtime.dev_secrets import dev_secrets

    console.print("[dim]no REDUB_TOKEN: using a development token of this state folder[/]")
    user = uuid5(NAMESPACE_URL, "https://redub.invalid/dev-user")
    return mint_token(user, settings.jwt_secret or dev_secrets(settings.state_dir).jwt)
