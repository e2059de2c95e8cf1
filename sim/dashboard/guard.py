"""Who may talk to the classroom server: its own page, from an expected address.

:class:`LocalGuard` is an ASGI middleware in front of Solara's app:

- **Host**: a request must name this server by an expected name in its ``Host`` header: the
  loopback names (``localhost``, ``127.0.0.1``, ``[::1]``) for a server on this computer, plus
  the ``--host`` the teacher gave. A web page elsewhere that makes its own name resolve to this
  machine (DNS rebinding) is answered 400.
- **Origin**: a WebSocket (the page's live session) must come from a page this server served:
  its ``Origin`` must be ``http://<the Host it asked for>``. A page from another site that
  opens a session on the teacher's server is refused (403). Browsers always send ``Origin`` on
  WebSocket connections (RFC 6455, section 4.1); other clients may send none, which is allowed
  only together with a valid ``Host``.
- **Debug pages**: Solara's ``/resourcez`` (its server's threads, kernels and memory) is not
  served (404).

With ``--host 0.0.0.0`` (the classroom network) any ``Host`` is accepted, since students reach
the server by the teacher's address, and the Origin rule still holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["HIDDEN_PATHS", "LOOPBACK_NAMES", "LocalGuard"]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
HIDDEN_PATHS = ("/resourcez",)
"""Solara's debug and status pages, not served."""
ANY_INTERFACE = frozenset({"0.0.0.0", "::", ""})

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
               Awaitable[None]]


def _hostname(value: str) -> str:
    """The host name of a ``Host`` header or an origin's netloc (port and brackets aside)."""
    host = urlsplit(f"//{value}").hostname
    return (host or "").lower()


class LocalGuard:
    """ASGI middleware: the rules of the module docstring, in front of ``app``."""

    def __init__(self, app: App, host: str, extra_names: Iterable[str] = ()) -> None:
        self.app = app
        self.any_host = host in ANY_INTERFACE
        self.names = LOOPBACK_NAMES | {_hostname(host)} | {n.lower() for n in extra_names}

    def _headers(self, scope: Scope) -> dict[str, str]:
        return {k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in scope.get("headers", [])}

    def allowed(self, scope: Scope) -> tuple[bool, int]:
        """Whether a connection may go on, and the status to refuse it with."""
        if scope.get("path", "") in HIDDEN_PATHS:
            return False, 404
        headers = self._headers(scope)
        host = headers.get("host", "")
        if not host or (not self.any_host and _hostname(host) not in self.names):
            return False, 400
        origin = headers.get("origin")
        if scope["type"] == "websocket" and origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return False, 403
        return True, 200

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ok, status = self.allowed(scope)
        if ok:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # policy violation
        else:
            body = {400: b"unexpected Host\n", 403: b"forbidden\n", 404: b"not found\n"}[status]
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"text/plain"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
