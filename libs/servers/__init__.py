"""Embedded NATS and PostgreSQL servers for `redub dev` and the test suite."""

from libs.servers.nats import EmbeddedNats
from libs.servers.ports import free_port
from libs.servers.postgres import EmbeddedPostgres

__all__ = ["EmbeddedNats", "EmbeddedPostgres", "free_port"]
