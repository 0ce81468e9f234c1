"""deploy/kubernetes: every manifest validates against the Kubernetes schemas (the
kubernetes-validate package's, offline), KEDA's ScaledObjects against a vendored schema,
and the pieces fit together (probes, resources, secrets, NATS at R3, lag scaling)."""

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from libs.config.settings import Settings
from redub.registry import SERVICES, STAGES
from tests.support.deploy_files import DEPLOY

K8S = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.30.0"
SCALEDOBJECT_SCHEMA = Path(__file__).parents[2] / "support" / "schemas" / "keda-scaledobject.json"
NATS_JETSTREAM_KEYS = {
    "natsServerMonitoringEndpoint",
    "account",
    "stream",
    "consumer",
    "lagThreshold",
    "activationLagThreshold",
    "useHttps",
}
WORKING = [s for s in STAGES if s != "janitor"]


def kustomization() -> dict[str, Any]:
    return dict(yaml.safe_load((K8S / "kustomization.yaml").read_text()))


@functools.cache
def documents() -> list[dict[str, Any]]:
    """Every manifest, parsed once (tests copy before they change one)."""
    docs: list[dict[str, Any]] = []
    for name in kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def find(kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def test_every_file_is_in_the_kustomization() -> None:
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization()["resources"]) == files


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_validates(doc: dict[str, Any]) -> None:
    if doc["kind"] == "ScaledObject":
        jsonschema.validate(doc, json.loads(SCALEDOBJECT_SCHEMA.read_text()))
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validators_refuse_a_broken_manifest() -> None:
    deployment = find("Deployment", "redub-mixer")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    scaled = json.loads(json.dumps(find("ScaledObject", "redub-mixer")))
    scaled["spec"]["maxReplicaCount"] = "eight"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled, json.loads(SCALEDOBJECT_SCHEMA.read_text()))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_deployment_with_probes_and_requests(service: str) -> None:
    spec = find("Deployment", f"redub-{service}")["spec"]["template"]["spec"]
    [c] = spec["containers"]
    assert c["args"] == ["serve", service]
    port = "http" if service == "gateway" else "metrics"
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    assert {"cpu", "memory"} <= set(c["resources"]["requests"])
    assert "memory" in c["resources"]["limits"]
    secrets = {e["secretRef"]["name"] for e in c["envFrom"] if "secretRef" in e}
    assert secrets == {"redub-secrets"}, "services never get the owner's credentials"
    assert spec["securityContext"]["runAsNonRoot"] is True
    metrics = find("Service", f"redub-{service}-metrics")["spec"]
    assert metrics["clusterIP"] == "None"
    assert (
        metrics["selector"]
        == find("Deployment", f"redub-{service}")["spec"]["selector"]["matchLabels"]
    )


def test_the_services_secret_holds_no_owner_credentials() -> None:
    secret = find("Secret", "redub-secrets")["stringData"]
    assert "REDUB_OWNER_DATABASE_URL" not in secret
    assert "REDUB_OWNER_DATABASE_URL" in find("Secret", "redub-migrate-secrets")["stringData"]


def test_prometheus_finds_every_service() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus-kubernetes.yml").read_text())
    names = {
        n for job in config["scrape_configs"] for sd in job["dns_sd_configs"] for n in sd["names"]
    }
    assert names == {f"redub-{s}-metrics" for s in SERVICES}


def test_nats_is_a_three_server_jetstream_cluster_and_streams_are_r3() -> None:
    nats = find("StatefulSet", "nats")
    replicas = nats["spec"]["replicas"]
    assert replicas == 3
    conf = find("ConfigMap", "nats-config")["data"]["nats.conf"]
    assert "jetstream" in conf and "store_dir: /data" in conf
    routes = re.findall(r"nats://(nats-\d)\.nats:6222", conf)
    assert routes == [f"nats-{i}" for i in range(replicas)]
    claim = nats["spec"]["volumeClaimTemplates"][0]
    mounts = nats["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/data"} in mounts
    config = find("ConfigMap", "redub-config")["data"]
    assert int(config["REDUB_STREAM_REPLICAS"]) == replicas
    assert config["REDUB_NATS_URL"].startswith("nats://nats:")


@pytest.mark.parametrize("stage", WORKING)
def test_each_working_stage_scales_on_its_consumer_lag(stage: str) -> None:
    scaled = find("ScaledObject", f"redub-{stage}")["spec"]
    assert find("Deployment", scaled["scaleTargetRef"]["name"])
    [trigger] = scaled["triggers"]
    assert trigger["type"] == "nats-jetstream"
    meta = trigger["metadata"]
    assert set(meta) <= NATS_JETSTREAM_KEYS
    assert meta["stream"] == Settings().stream_name
    assert meta["consumer"] == stage, "the stage's durable consumer is named for it"
    host, port = meta["natsServerMonitoringEndpoint"].split(":")
    namespace = kustomization()["namespace"]
    assert host == f"nats.{namespace}.svc.cluster.local"
    monitor = {p["name"]: p["port"] for p in find("Service", "nats")["spec"]["ports"]}
    assert int(port) == monitor["monitor"]
    assert 1 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]
    assert int(meta["lagThreshold"]) > 0
