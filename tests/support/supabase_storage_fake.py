"""A local Supabase Storage: the object routes of its HTTP API, as the supabase/storage server
answers them, served on 127.0.0.1 from a thread.

Wire format kept: routes under /storage/v1; `apikey` plus `Authorization: Bearer <key>` on
authenticated routes; raw or multipart uploads with `x-upsert`; errors as HTTP 400 (500 for
internal ones) with `{"statusCode": "<real status>", "error", "message"}`; signed URLs as
`/object/sign/...?token=<JWT>` and `/object/upload/sign/...?token=<JWT>` with scoped tokens;
list-v2 with a base64 cursor. An object becomes visible only once its whole body arrived.
Test-only: `fail_next`/`stall_next` inject outages, `go_down`/`come_back` one of any length,
and the `x-fake-clock-offset` header moves the clock a signed URL is checked against. Beside
it: supabase_storage_objects (what it stores), supabase_storage_errors,
supabase_storage_tokens (the signed URLs' tokens).
"""

import asyncio
import base64
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.support.supabase_storage_errors import StorageError, not_found
from tests.support.supabase_storage_objects import Bucket, FakeObject
from tests.support.supabase_storage_tokens import UrlTokens

Handler = Callable[[Request], Awaitable[Response]]


class StorageFake:
    """The server's state; `url` is the project URL a client is given (Storage under it)."""

    def __init__(self, service_key: str, *, upload_url_ttl_s: int = 7200) -> None:
        self.service_key = service_key
        self.upload_url_ttl_s = upload_url_ttl_s
        self.url = ""
        self._tokens = UrlTokens()
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._faults: deque[tuple[str, float]] = deque()
        # While set, every request answers this status (an outage of any length).
        self._down: int | None = None
        # list-v2 answers at most this many a page (1000 on the real server).
        self.max_page = 1000
        self.requests: list[str] = []  # "METHOD path?query" of every request received
        # Headers of every upload that reached the end of its body.
        self.uploads: list[dict[str, str]] = []
        self.app = Starlette(routes=self._routes())

    # --- test controls -----------------------------------------------------------------------
    def create_bucket(self, name: str, *, file_size_limit: int | None = None) -> None:
        with self._lock:
            self._buckets[name] = Bucket(file_size_limit=file_size_limit)

    def objects(self, bucket: str) -> dict[str, bytes]:
        with self._lock:
            return {k: o.data for k, o in self._buckets[bucket].objects.items()}

    def fail_next(self, status: int, times: int = 1, *, in_body: bool = False) -> None:
        """The next `times` requests answer `status`: as a proxy does (that HTTP status, a
        text body) or, `in_body`, as Storage itself does (HTTP 400 with the status in JSON)."""
        kind = "body" if in_body else "status"
        with self._lock:
            self._faults.extend([(kind, float(status))] * times)

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests wait `seconds` before they are handled."""
        with self._lock:
            self._faults.extend([("stall", seconds)] * times)

    def go_down(self, status: int = 503) -> None:
        """Every request answers `status`, as the proxy in front of a down Storage does,
        until `come_back`."""
        with self._lock:
            self._down = status

    def come_back(self) -> None:
        with self._lock:
            self._down = None

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- routes --------------------------------------------------------------------------------
    def _routes(self) -> list[Route]:
        p = "/storage/v1/object"
        w = self._wrap
        return [
            Route(f"{p}/list-v2/{{bucket}}", w(self._list_v2, auth=True), methods=["POST"]),
            Route(f"{p}/move", w(self._move, auth=True), methods=["POST"]),
            Route(f"{p}/sign/{{bucket}}/{{key:path}}", w(self._sign, auth=True), methods=["POST"]),
            Route(
                f"{p}/sign/{{bucket}}/{{key:path}}",
                w(self._get_signed, auth=False),
                methods=["GET"],
            ),
            Route(
                f"{p}/upload/sign/{{bucket}}/{{key:path}}",
                w(self._sign_upload, auth=True),
                methods=["POST"],
            ),
            Route(
                f"{p}/upload/sign/{{bucket}}/{{key:path}}",
                w(self._put_signed, auth=False),
                methods=["PUT"],
            ),
            Route(
                f"{p}/authenticated/{{bucket}}/{{key:path}}",
                w(self._download, auth=True),
                methods=["GET"],
            ),
            Route(f"{p}/{{bucket}}", w(self._delete_many, auth=True), methods=["DELETE"]),
            Route(f"{p}/{{bucket}}/{{key:path}}", w(self._download, auth=True), methods=["GET"]),
            Route(f"{p}/{{bucket}}/{{key:path}}", w(self._create, auth=True), methods=["POST"]),
            Route(f"{p}/{{bucket}}/{{key:path}}", w(self._update, auth=True), methods=["PUT"]),
            Route(
                f"{p}/{{bucket}}/{{key:path}}", w(self._delete_one, auth=True), methods=["DELETE"]
            ),
        ]

    def _wrap(self, handler: Handler, *, auth: bool) -> Handler:
        async def endpoint(request: Request) -> Response:
            query = f"?{request.url.query}" if request.url.query else ""
            self.requests.append(f"{request.method} {request.url.path}{query}")
            with self._lock:
                down = self._down
                fault = self._faults.popleft() if self._faults else None
            if down is not None:
                return PlainTextResponse("no healthy upstream", status_code=down)
            if fault is not None:
                kind, value = fault
                if kind == "stall":
                    await asyncio.sleep(value)
                elif kind == "status":
                    return PlainTextResponse("upstream connect error", status_code=int(value))
                else:
                    body = {"statusCode": str(int(value)), "error": "DatabaseError"}
                    return JSONResponse(body | {"message": "Service unavailable"}, 400)
            try:
                if auth:
                    self._authenticate(request)
                return await handler(request)
            except StorageError as exc:
                return JSONResponse(exc.body, status_code=exc.http_status)

        return endpoint

    def _authenticate(self, request: Request) -> None:
        # Supabase's API gateway wants the key as `apikey`; Storage checks the Bearer JWT.
        if request.headers.get("apikey") != self.service_key:
            raise StorageError(401, "Unauthorized", "Invalid API key", http_status=401)
        if request.headers.get("authorization") != f"Bearer {self.service_key}":
            raise StorageError(403, "Unauthorized", "invalid signature")

    def _bucket(self, name: str) -> Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            raise StorageError(404, "Bucket not found", "Bucket not found")
        return bucket

    async def _create(self, request: Request) -> Response:
        upsert = request.headers.get("x-upsert") == "true"
        return await self._store(request, upsert)

    async def _update(self, request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        with self._lock:
            if key not in self._bucket(bucket).objects:
                raise not_found()
        return await self._store(request, upsert=True)

    async def _put_signed(self, request: Request) -> Response:
        claims = self._tokens.verify(request, "upload")
        return await self._store(request, upsert=bool(claims.get("upsert")))

    async def _store(self, request: Request, upsert: bool) -> Response:
        bucket_name, key = request.path_params["bucket"], request.path_params["key"]
        with self._lock:
            bucket = self._bucket(bucket_name)
            if not upsert and key in bucket.objects:
                raise StorageError(409, "Duplicate", "The resource already exists")
        limit = bucket.file_size_limit
        content_type = request.headers.get("content-type", "application/octet-stream")
        cache_control = request.headers.get("cache-control", "no-cache")
        try:
            if content_type.startswith("multipart/form-data"):
                async with request.form() as form:
                    part = form["file"]
                    if isinstance(part, str):
                        raise StorageError(400, "InvalidRequest", "No content provided")
                    data = await part.read()
                    content_type = str(form.get("contentType") or part.content_type)
                    cache_control = f"max-age={form.get('cacheControl') or 3600}"
            else:
                chunks: list[bytes] = []
                size = 0
                async for chunk in request.stream():
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise StorageError(
                            413, "Payload too large", "The object exceeded the maximum allowed size"
                        )
                    chunks.append(chunk)
                data = b"".join(chunks)
        except ClientDisconnect:
            return Response(status_code=499)  # the upload never completed: nothing is stored
        self.uploads.append(dict(request.headers))
        if limit is not None and len(data) > limit:
            raise StorageError(
                413, "Payload too large", "The object exceeded the maximum allowed size"
            )
        with self._lock:
            objects = self._bucket(bucket_name).objects
            if not upsert and key in objects:
                raise StorageError(409, "Duplicate", "The resource already exists")
            old = objects.get(key)
            obj = FakeObject(data, content_type, cache_control)
            if old is not None:
                obj.id, obj.created_at = old.id, old.created_at
            objects[key] = obj
        return JSONResponse({"Id": obj.id, "Key": f"{bucket_name}/{key}"})

    async def _download(self, request: Request) -> Response:
        obj = self._find(request.path_params["bucket"], request.path_params["key"])
        return Response(obj.data, media_type=obj.content_type, headers={"etag": obj.version})

    def _find(self, bucket: str, key: str) -> FakeObject:
        with self._lock:
            obj = self._bucket(bucket).objects.get(key)
        if obj is None:
            raise not_found()
        return obj

    async def _delete_one(self, request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        with self._lock:
            if self._bucket(bucket).objects.pop(key, None) is None:
                raise not_found()
        return JSONResponse({"message": "Successfully deleted"})

    async def _delete_many(self, request: Request) -> Response:
        bucket_name = request.path_params["bucket"]
        body = await request.json()
        prefixes = body.get("prefixes") if isinstance(body, dict) else None
        if not isinstance(prefixes, list) or not prefixes:
            raise StorageError(
                400, "InvalidRequest", "body/prefixes must NOT have fewer than 1 items"
            )
        with self._lock:
            objects = self._bucket(bucket_name).objects
            # Despite the name, Storage deletes by exact name (`name = ANY($2)`).
            gone = [
                (name, objects.pop(name)) for name in dict.fromkeys(prefixes) if name in objects
            ]
        return JSONResponse([obj.row(bucket_name, name) for name, obj in gone])

    async def _move(self, request: Request) -> Response:
        body = await request.json()
        bucket_name, source, dest = body["bucketId"], body["sourceKey"], body["destinationKey"]
        with self._lock:
            objects = self._bucket(bucket_name).objects
            if source not in objects:
                raise not_found()
            if dest in objects and dest != source:
                raise StorageError(409, "Duplicate", "The resource already exists")
            obj = objects.pop(source)
            objects[dest] = obj
        return JSONResponse({"message": "Successfully moved", "Id": obj.id, "Key": dest})

    async def _list_v2(self, request: Request) -> Response:
        bucket_name = request.path_params["bucket"]
        body = await request.json()
        if body.get("with_delimiter"):
            raise StorageError(400, "InvalidRequest", "this fake lists without a delimiter only")
        prefix = str(body.get("prefix") or "")
        limit = min(int(body.get("limit") or 1000), self.max_page)
        after = _decode_cursor(body["cursor"]) if body.get("cursor") else None
        with self._lock:
            objects = self._bucket(bucket_name).objects
            # Ordered by name COLLATE "C": bytewise, which is code point order.
            names = sorted(
                n for n in objects if n.startswith(prefix) and (after is None or n > after)
            )
            page = [(n, objects[n]) for n in names[: limit + 1]]
        more = len(page) > limit
        page = page[:limit]
        rows = [
            {k: v for k, v in obj.row(bucket_name, name).items() if k in _LIST_COLUMNS}
            for name, obj in page
        ]
        answer: dict[str, Any] = {"hasNext": more, "folders": [], "objects": rows}
        if more:
            answer["nextCursor"] = _encode_cursor(page[-1][0])
        return JSONResponse(answer)

    async def _sign(self, request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        body = await request.json()
        expires_in = int(body["expiresIn"])  # storage-py sends it as a string; Fastify coerces
        if expires_in < 1:
            raise StorageError(400, "InvalidParameter", "Invalid Parameter expiresIn")
        self._find(bucket, key)
        token = self._tokens.issue({"url": f"{bucket}/{key}", "scope": "download"}, expires_in)
        return JSONResponse({"signedURL": f"/object/sign/{bucket}/{quote(key)}?token={token}"})

    async def _sign_upload(self, request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        upsert = request.headers.get("x-upsert") == "true"
        with self._lock:
            if not upsert and key in self._bucket(bucket).objects:
                raise StorageError(409, "Duplicate", "The resource already exists")
        claims = {"owner": None, "url": f"{bucket}/{key}", "upsert": upsert, "scope": "upload"}
        token = self._tokens.issue(claims, self.upload_url_ttl_s)
        url = f"/object/upload/sign/{bucket}/{quote(key)}?token={token}"
        return JSONResponse({"url": url, "token": token})

    async def _get_signed(self, request: Request) -> Response:
        self._tokens.verify(request, "download")
        return await self._download(request)


_LIST_COLUMNS = {"id", "name", "metadata", "updated_at", "created_at", "last_accessed_at"}


def _encode_cursor(last_name: str) -> str:
    return base64.b64encode(f"l:{last_name}".encode()).decode()


def _decode_cursor(cursor: str) -> str:
    text = base64.b64decode(cursor).decode()
    if not text.startswith("l:"):
        raise StorageError(400, "InvalidParameter", "Invalid Parameter continuation token")
    return text[2:].split("\n")[0]


class RunningFake:
    """A `StorageFake` served by uvicorn on 127.0.0.1 from its own thread and loop."""

    def __init__(self, fake: StorageFake) -> None:
        self.fake = fake
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        fake.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(fake.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> StorageFake:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Storage fake did not start")
            time.sleep(0.01)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
