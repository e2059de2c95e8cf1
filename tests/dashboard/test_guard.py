"""Tests for sim.dashboard.guard: only the server's own page, from an expected address."""

from __future__ import annotations

import asyncio

import pytest

from sim.dashboard.guard import LocalGuard


async def _app(scope, receive, send):
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
    else:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})


def _call(guard, kind, path="/", host="127.0.0.1:8765", origin=None):
    headers = [(b"host", host.encode())] if host is not None else []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    sent = []

    async def receive():
        return {"type": "websocket.connect"} if kind == "websocket" else {"type": "http.request"}

    async def send(message):
        sent.append(message)

    asyncio.run(guard({"type": kind, "path": path, "headers": headers}, receive, send))
    first = sent[0]
    if kind == "websocket":
        return "accepted" if first["type"] == "websocket.accept" else f"closed {first['code']}"
    return first["status"]


@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1:8765", 200), ("localhost:8765", 200), ("[::1]:8765", 200),
    ("evil.example:8765", 400), ("127.0.0.1.evil.example", 400), (None, 400)])
def test_a_local_server_answers_only_to_its_local_names(host, status):
    assert _call(LocalGuard(_app, "127.0.0.1"), "http", host=host) == status


def test_a_session_must_come_from_the_servers_own_page():
    guard = LocalGuard(_app, "127.0.0.1")
    assert _call(guard, "websocket", origin="http://127.0.0.1:8765") == "accepted"
    assert _call(guard, "websocket", origin="http://evil.example") == "closed 1008"
    assert _call(guard, "websocket", origin="http://127.0.0.1:9999") == "closed 1008"
    assert _call(guard, "websocket", origin="null") == "closed 1008"
    assert _call(guard, "websocket", host="evil.example", origin="http://evil.example") == (
        "closed 1008")  # DNS rebinding: a page of its own, on a name that is not ours


def test_the_classroom_network_accepts_any_address_but_not_other_sites():
    guard = LocalGuard(_app, "0.0.0.0")
    assert _call(guard, "http", host="192.168.1.20:8765") == 200
    assert _call(guard, "websocket", host="192.168.1.20:8765",
                 origin="http://192.168.1.20:8765") == "accepted"
    assert _call(guard, "websocket", host="192.168.1.20:8765",
                 origin="http://evil.example") == "closed 1008"


def test_the_debug_page_is_not_served():
    guard = LocalGuard(_app, "127.0.0.1")
    assert _call(guard, "http", path="/resourcez") == 404
    assert _call(guard, "http", path="/readyz") == 200
