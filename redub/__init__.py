"""The `redub` command and process wiring: above `services/`, which never import it."""
