"""Free TCP port discovery on the loopback interface."""

import random
import socket

LOOPBACK = "127.0.0.1"
# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for port 0 is also
# what it hands to the next outgoing connection, which can take it before our server binds.
PORT_RANGE = (20_000, 32_000)


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on `host` that nothing listens on right now."""
    for _ in range(200):
        port = random.randrange(*PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        chosen: int = sock.getsockname()[1]
        return chosen


def port_is_open(port: int, host: str = LOOPBACK, timeout: float = 0.2) -> bool:
    """Return True if something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
