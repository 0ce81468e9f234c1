"""Wires each service to its adapters and providers (one module per service)."""
