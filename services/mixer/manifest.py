"""The per-language manifest clients download next to the artifacts."""

from collections.abc import Sequence

from pydantic_core import to_json

from libs.events.catalogue import Artifact, JobBrief


def build_manifest(
    job: JobBrief, language: str, artifacts: Sequence[Artifact], engine: str
) -> bytes:
    """A JSON document naming each artifact with its size and sha256."""
    doc = {
        "job_id": str(job.job_id),
        "source_language": job.source_language,
        "language": language,
        "duration_s": job.background.duration_s,
        "mix_engine": engine,
        "artifacts": [
            {
                "kind": a.kind,
                "file": a.blob.key.rsplit("/", 1)[-1],
                "content_type": a.blob.content_type,
                "size": a.blob.size,
                "sha256": a.blob.sha256,
            }
            for a in artifacts
        ],
    }
    # pydantic-core's encoder: the standard library's falls back to pure Python with indent.
    return to_json(doc, indent=2)
