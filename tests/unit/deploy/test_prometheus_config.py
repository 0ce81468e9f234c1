"""deploy/prometheus: promtool accepts the configs and rules, the alert unit tests pass, and
every expression reads metrics the services really export."""

from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from tests.support.deploy_files import DEPLOY, exported_series, metrics_in, promtool

PROM = DEPLOY / "prometheus"


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-kubernetes.yml"])
def test_promtool_accepts_the_scrape_configs(config: str) -> None:
    r = promtool("check", "config", config, cwd=PROM)
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    r = promtool("check", "rules", "alerts.yml", cwd=PROM)
    assert r.returncode == 0, r.stdout + r.stderr
    r = promtool("test", "rules", "alerts_test.yml", cwd=PROM)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_alert_reads_exported_metrics() -> None:
    exported = exported_series()
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"]]
    assert {a["alert"] for a in alerts} >= {
        "RedubConsumerLagGrowing",
        "RedubStageFailureRate",
        "RedubJobTooOld",
        "RedubJanitorBehind",
        "RedubOutboxNotDraining",
    }
    for a in alerts:
        used = metrics_in(a["expr"])
        assert used or "up{" in a["expr"], a["alert"]
        assert used <= exported, (a["alert"], used - exported)
        assert a["labels"]["severity"] in {"warning", "critical"}
        assert a["annotations"]["summary"] and a["annotations"]["description"]


def test_every_alert_is_explained_in_the_operations_guide() -> None:
    guide = (DEPLOY.parent / "docs" / "operations.md").read_text()
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    for alert in (r["alert"] for g in rules["groups"] for r in g["rules"]):
        assert f"`{alert}`" in guide, alert


def test_every_metric_is_listed_in_the_operations_guide() -> None:
    guide = (DEPLOY.parent / "docs" / "operations.md").read_text()
    for family in REGISTRY.collect():
        if family.name.startswith("redub_"):
            name = family.name + ("_total" if family.type == "counter" else "")
            assert f"`{name}`" in guide, name


def test_the_metric_check_catches_a_name_we_do_not_export() -> None:
    assert metrics_in("rate(redub_no_such_thing_total[5m])") - exported_series() == {
        "redub_no_such_thing_total"
    }


def test_compose_prometheus_finds_every_stage_service() -> None:
    compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    names = {
        n for job in config["scrape_configs"] for sd in job["dns_sd_configs"] for n in sd["names"]
    }
    redub = {s for s, spec in compose["services"].items() if _serves(spec)}
    assert names == redub


def _serves(spec: dict[str, object]) -> bool:
    command = spec.get("command") or []
    return isinstance(command, list) and command[:1] == ["serve"]


def test_alert_rules_file_is_next_to_the_configs() -> None:
    for config in ("prometheus.yml", "prometheus-kubernetes.yml"):
        files = yaml.safe_load((PROM / config).read_text())["rule_files"]
        assert all(Path(PROM / f).is_file() for f in files)
