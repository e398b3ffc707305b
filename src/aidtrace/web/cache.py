"""A response cache for the read API, correct across processes.

A GET under /api/ (not exports or health) is answered from memory when the same path and
query were answered before and the database's data_version (store/db.py: every committed
write, by any process, increases it) is still the one read before that answer was made.
Otherwise the request goes to the app and a complete 200 answer is kept. One indexed
read per request replaces the queries, the validation and the JSON encoding, which is what
lets a two-core machine serve a hundred concurrent analysts.

Entries are evicted least recently used; answers larger than `max_body` are not kept.
Responses say `x-aidtrace-cache: hit` or `miss`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

UNCACHED = ("/api/exports", "/api/health", "/api/docs", "/api/openapi.json")


class ResponseCache:
    def __init__(
        self, app: App, *, version: Callable[[], int], entries: int = 4096, max_body: int = 2_000_000
    ) -> None:
        self.app = app
        self.version = version
        self.entries = entries
        self.max_body = max_body
        self._kept: OrderedDict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            self.entries <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith("/api/")
            or path.startswith(UNCACHED)
        ):
            await self.app(scope, receive, send)
            return
        key = path + "?" + scope.get("query_string", b"").decode("latin-1")
        version = self.version()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == version:
                self._kept.move_to_end(key)
            else:
                kept = None
        if kept is not None:
            _version, headers, body = kept
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*headers, (b"x-aidtrace-cache", b"hit")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self._answer_and_keep(scope, receive, send, key, version)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: str, version: int
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        complete = False

        async def capture(message: Message) -> None:
            nonlocal status, headers, size, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                message["headers"] = [*message.get("headers", []), (b"x-aidtrace-cache", b"miss")]
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                size += len(body)
                if size <= self.max_body:
                    chunks.append(body)
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capture)
        if status == 200 and complete and size <= self.max_body:
            with self._lock:
                self._kept[key] = (version, headers, b"".join(chunks))
                self._kept.move_to_end(key)
                while len(self._kept) > self.entries:
                    self._kept.popitem(last=False)
