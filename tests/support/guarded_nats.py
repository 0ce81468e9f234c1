"""A NATS server with one user who may publish anything but subscribe only to inboxes."""

from libs.servers import EmbeddedNats


class GuardedNats(EmbeddedNats):
    """`EmbeddedNats` under an authorization config: user `gw`, password `pw`."""

    def _command(self) -> list[str]:
        config = self.data_dir / "guarded.conf"
        config.write_text(
            "authorization { users = [ { user: gw, password: pw, permissions: {"
            ' publish: ">", subscribe: "_INBOX.>" } } ] }\n'
        )
        return [*super()._command(), "-c", str(config)]
