"""Supabase Storage's errors as it answers them: HTTP 400 (or the status itself, for a few)
with `{"statusCode": "<real status>", "error", "message"}`."""


class StorageError(Exception):
    def __init__(self, status: int, error: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.body = {"statusCode": str(status), "error": error, "message": message}
        self.http_status = http_status


def not_found() -> StorageError:
    return StorageError(404, "not_found", "Object not found")
