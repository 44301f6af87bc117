"""A request sent on a pooled connection that the service closes at that moment (its idle
timeout meeting the client's): the race behind the load runs' occasional read error.

The server here answers the first request of every connection with keep-alive, then closes
the connection without an answer when the next request arrives on it: exactly what a client
sees when the server's keep-alive timer fires as the request goes out."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from webbscope.errors import UpstreamError
from webbscope.services.common.client import ServiceClient
from webbscope.settings import load_settings

BODY = b'{"ok": true}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(BODY)).encode()
    + b"\r\nconnection: keep-alive\r\n\r\n"
    + BODY
)


def _serve(conn: socket.socket, seen: list[int]) -> None:
    with conn:
        requests = 0
        buf = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\r\n\r\n" in buf:
                _, buf = buf.split(b"\r\n\r\n", 1)
                requests += 1
                seen.append(requests)
                if requests > 1:  # the idle timer fired as this request arrived
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                conn.sendall(ANSWER)


@pytest.fixture
def closing_server() -> Iterator[tuple[str, list[int]]]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    seen: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_serve, args=(conn, seen), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    stop.set()
    thread.join()
    listener.close()


def test_a_get_on_a_connection_closed_under_it_is_sent_again(
    closing_server: tuple[str, list[int]],
) -> None:
    url, seen = closing_server

    async def run() -> list[int]:
        client = ServiceClient("engine", url, "token", 5.0)
        try:
            out = []
            for _ in range(4):  # each after the first meets a closing pooled connection
                resp = await client.request("GET", "/internal/x")
                out.append(resp.status_code)
            return out
        finally:
            await client.aclose()

    assert asyncio.run(run()) == [200, 200, 200, 200]
    assert seen.count(2) == 3  # three requests met the closing connection, and were resent


def test_a_post_is_not_sent_twice(closing_server: tuple[str, list[int]]) -> None:
    url, _ = closing_server

    async def run() -> None:
        client = ServiceClient("engine", url, "token", 5.0)
        try:
            await client.request("POST", "/internal/x", json={})
            with pytest.raises(UpstreamError):
                await client.request("POST", "/internal/x", json={})
        finally:
            await client.aclose()

    asyncio.run(run())


def test_services_keep_idle_connections_longer_than_their_clients() -> None:
    from webbscope.services.common.client import KEEPALIVE_S

    settings = load_settings()
    assert settings.http_keep_alive_s == 75
    assert settings.http_keep_alive_s > 60 > KEEPALIVE_S > 5  # nginx 60 s; httpx's 5 s
