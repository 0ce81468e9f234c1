"""The file name and content type each artifact kind is published under."""

from dataclasses import dataclass

from libs.events.catalogue import ArtifactKind


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    """How one kind of artifact is stored and downloaded."""

    name: str
    content_type: str


ARTIFACT_FILES: dict[ArtifactKind, ArtifactFile] = {
    "mix": ArtifactFile("mix.wav", "audio/wav"),
    "mix_aac": ArtifactFile("mix.m4a", "audio/mp4"),
    "voice": ArtifactFile("voice.wav", "audio/wav"),
    "voice_aac": ArtifactFile("voice.m4a", "audio/mp4"),
    "srt": ArtifactFile("captions.srt", "application/x-subrip"),
    "vtt": ArtifactFile("captions.vtt", "text/vtt"),
    "manifest": ArtifactFile("manifest.json", "application/json"),
    "timeline_png": ArtifactFile("timeline.png", "image/png"),
    "timeline_svg": ArtifactFile("timeline.svg", "image/svg+xml"),
    "transcript": ArtifactFile("transcript.json", "application/json"),
    "source_srt": ArtifactFile("source.srt", "application/x-subrip"),
    "source_vtt": ArtifactFile("source.vtt", "text/vtt"),
    "translation": ArtifactFile("translation.json", "application/json"),
}
