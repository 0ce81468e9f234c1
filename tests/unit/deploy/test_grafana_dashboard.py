"""deploy/grafana: the dashboard is well-formed, and its every query parses (promtool) and
reads metrics the services really export."""

import json
from pathlib import Path
from typing import Any

import yaml

from tests.support.deploy_files import DEPLOY, exported_series, metrics_in, promtool

DASHBOARD = DEPLOY / "grafana" / "redub-pipeline.json"
PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "table", "text", "row", "heatmap"}


def load() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text()))


def test_dashboard_shape() -> None:
    d = load()
    assert d["uid"] and d["title"] and isinstance(d["schemaVersion"], int)
    panels = d["panels"]
    assert len({p["id"] for p in panels}) == len(panels), "panel ids are unique"
    cells: set[tuple[int, int]] = set()
    for p in panels:
        assert p["type"] in PANEL_TYPES, p["title"]
        g = p["gridPos"]
        assert all(isinstance(g[k], int) for k in ("h", "w", "x", "y"))
        assert g["x"] + g["w"] <= 24, p["title"]
        mine = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cells & mine, f"{p['title']} overlaps another panel"
        cells |= mine
        refs = [t["refId"] for t in p["targets"]]
        assert p["targets"] and len(set(refs)) == len(refs), p["title"]
    names = {v["name"] for v in d["templating"]["list"]}
    for p in panels:
        uid = p["datasource"]["uid"]
        assert uid.removeprefix("${").removesuffix("}") in names, "datasource is the variable"


def test_every_panel_reads_exported_metrics() -> None:
    exported = exported_series()
    seen: set[str] = set()
    for p in load()["panels"]:
        for t in p["targets"]:
            used = metrics_in(t["expr"])
            assert used or t["expr"].startswith("count(up{"), (p["title"], t["expr"])
            assert used <= exported, (p["title"], used - exported)
            seen |= used
    # The list: consumed/appended per type, handling time, failures, redeliveries,
    # lag, vendor latency, errors and cost, outbox.
    for wanted in (
        "redub_events_consumed_total",
        "redub_events_appended_total",
        "redub_stage_handle_seconds_bucket",
        "redub_stage_items_total",
        "redub_stage_redeliveries_total",
        "redub_consumer_pending_messages",
        "redub_consumer_ack_pending_messages",
        "redub_vendor_call_seconds_bucket",
        "redub_vendor_errors_total",
        "redub_vendor_cost_total",
        "redub_outbox_backlog_events",
    ):
        assert wanted in seen, wanted


def test_every_query_parses(tmp_path: Path) -> None:
    # promtool has no expression checker of its own: each query becomes a recording rule.
    rules = [
        {"record": f"dashboard:panel{p['id']}:{t['refId']}", "expr": t["expr"]}
        for p in load()["panels"]
        for t in p["targets"]
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    r = promtool("check", "rules", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
