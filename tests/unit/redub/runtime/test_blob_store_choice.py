"""REDUB_STORAGE_BACKEND picks the blob store; Supabase without its URL or key is refused."""

from pathlib import Path

import pytest

from libs.config.settings import Settings
from libs.storage.local_store import LocalBlobStore
from libs.storage.signed_fetch_store import SignedFetchBlobStore
from libs.storage.supabase_store import SupabaseBlobStore
from redub.runtime.connections import NotConfigured, blob_store, stage_blob_store


async def test_local_by_default(tmp_path: Path) -> None:
    store = blob_store(Settings(state_dir=tmp_path))
    assert isinstance(store, LocalBlobStore) and store.serves_local_files


async def test_supabase_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDUB_STORAGE_BACKEND", "supabase")
    monkeypatch.setenv("SUPABASE_URL", "https://project.supabase.test")
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-key")
    monkeypatch.setenv("REDUB_SUPABASE_BUCKET", "dubs")
    settings = Settings()
    assert "service-key" not in repr(settings), "the key is a secret, never printed"
    store = blob_store(settings)
    try:
        assert isinstance(store, SupabaseBlobStore) and not store.serves_local_files
        assert store.bucket == "dubs"
    finally:
        await store.close()


@pytest.mark.parametrize("missing", [{"supabase_url": None}, {"supabase_service_role_key": None}])
def test_supabase_needs_its_url_and_key(missing: dict[str, None]) -> None:
    config = {"supabase_url": "https://p.supabase.test", "supabase_service_role_key": "k"}
    with pytest.raises(NotConfigured, match="SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"):
        blob_store(Settings(storage_backend="supabase", **(config | missing)))


async def test_stages_read_through_signed_urls_when_told(tmp_path: Path) -> None:
    direct = Settings(state_dir=tmp_path, blob_url_secret="s" * 40)
    blobs = blob_store(direct)
    assert stage_blob_store(direct, blobs) is blobs
    signed = Settings(state_dir=tmp_path, blob_url_secret="s" * 40, blob_access="signed")
    wrapped = stage_blob_store(signed, blobs)
    assert isinstance(wrapped, SignedFetchBlobStore) and wrapped.inner is blobs
    assert wrapped.limit == signed.blob_fetch_max_bytes
    await wrapped.close()
