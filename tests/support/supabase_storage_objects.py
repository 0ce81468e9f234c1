"""What the Supabase Storage fake keeps: buckets of objects, and an object's row as Storage
describes it (list and delete answers)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class FakeObject:
    data: bytes
    content_type: str
    cache_control: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self, bucket: str, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "bucket_id": bucket,
            "owner": "",
            "owner_id": "",
            "version": self.version,
            "id": self.id,
            "updated_at": self.updated_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "last_accessed_at": self.updated_at.isoformat(),
            "metadata": {
                "eTag": f'"{self.version}"',
                "size": len(self.data),
                "mimetype": self.content_type,
                "cacheControl": self.cache_control,
                "lastModified": self.updated_at.isoformat(),
                "contentLength": len(self.data),
                "httpStatusCode": 200,
            },
            "user_metadata": {},
        }


@dataclass
class Bucket:
    objects: dict[str, FakeObject] = field(default_factory=dict)
    file_size_limit: int | None = None
