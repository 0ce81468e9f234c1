"""`redub dev` signs with secrets of its own state folder, generated once and kept private."""

from pathlib import Path

from libs.auth.secret_policy import secret_problem
from redub.runtime.dev_secrets import FILE, dev_secrets


def test_each_state_folder_gets_its_own_private_secrets(tmp_path: Path) -> None:
    first = dev_secrets(tmp_path / "a")
    assert dev_secrets(tmp_path / "a") == first
    assert dev_secrets(tmp_path / "b") != first
    assert (tmp_path / "a" / FILE).stat().st_mode & 0o077 == 0
    for secret in (first.jwt, first.blob_urls):
        assert secret_problem("S", secret, development=False) is None
