"""`redub dev`: the whole system in the foreground until Ctrl-C."""

import signal
import threading

from libs.config.settings import Settings
from redub.runtime.dev_stack import DevStack


def run_dev(settings: Settings) -> None:
    """Start everything, print where it is, and stop it all on SIGINT/SIGTERM."""
    stack = DevStack(settings.model_copy())
    stack.start()
    s = stack.settings
    print(
        f"Redub is up: gateway {s.gateway_url}  NATS {s.nats_url}  Postgres {stack.app_database_url}"
    )
    for name, port in stack.metrics_ports.items():
        print(f"  {name:<12} metrics http://127.0.0.1:{port}/metrics")
    print(f"state in {stack.state_dir}, service logs in {stack.state_dir / 'logs'}; Ctrl-C stops")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1.0):
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; restarting it")
                    stack.start_service(name)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
