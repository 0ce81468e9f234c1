"""A local three-server NATS cluster (routes between them, JetStream clustered), as children."""

from pathlib import Path

from libs.servers.nats import EmbeddedNats
from libs.servers.ports import LOOPBACK, free_port
from libs.servers.server_process import Lifecycle

CLUSTER_NAME = "redub-local"


class NatsClusterNode(EmbeddedNats):
    """One server of a cluster: its own client, monitor and route ports, routes to all."""

    def __init__(self, data_dir: Path, name: str, cluster_port: int, routes: list[str]) -> None:
        super().__init__(data_dir)
        self.name = name
        self.cluster_port = cluster_port
        self.routes = routes

    def start(self, timeout: float = 30.0) -> None:
        """Rejoin a running cluster (e.g. after `kill`). A clustered JetStream is healthy
        only once a quorum of its servers runs, so `NatsCluster` spawns them all first."""
        self.spawn()
        self.wait_healthy(timeout)

    def _command(self) -> list[str]:
        return [
            *super()._command(),
            "--cluster_name", CLUSTER_NAME,
            "--cluster", f"nats://{LOOPBACK}:{self.cluster_port}",
            "--routes", ",".join(self.routes),
        ]  # fmt: skip


class NatsCluster(Lifecycle):
    """`size` servers routed to each other with clustered JetStream (streams up to R`size`)."""

    def __init__(self, root: Path, size: int = 3) -> None:
        cluster_ports = [free_port() for _ in range(size)]
        routes = [f"nats://{LOOPBACK}:{p}" for p in cluster_ports]
        self.nodes = [
            NatsClusterNode(Path(root) / f"n{i}", f"redub-n{i}", cluster_ports[i], routes)
            for i in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        """Every server's client URL."""
        return [n.url for n in self.nodes]

    @property
    def url(self) -> str:
        """The client URLs comma-separated, as `REDUB_NATS_URL` takes them."""
        return ",".join(self.urls)

    def start(self, timeout: float = 60.0) -> None:
        """Start every server, then wait until each reports JetStream healthy."""
        try:
            for node in self.nodes:
                node.spawn()
            for node in self.nodes:
                node.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every server still running."""
        for node in self.nodes:
            node.stop(timeout)
