"""A TCP proxy in front of a real server that loses a request in flight on demand: the
connection carrying the next request that contains a marker is cut (both sides aborted), as a
network blip or a database failover does to a write."""

from __future__ import annotations

import asyncio
import contextlib


class CuttingProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.cuts = 0
        self._marker: bytes | None = None
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def cut_next(self, marker: bytes) -> None:
        """Cut the connection that carries the next request containing `marker`."""
        self._marker = marker

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for t in list(self._transports):
            t.abort()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._transports |= {writer.transport, up_writer.transport}

        def cut() -> None:
            writer.transport.abort()
            up_writer.transport.abort()

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, watch: bool) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while chunk := await src.read(65536):
                    if watch and self._marker is not None and self._marker in chunk:
                        self._marker = None
                        self.cuts += 1
                        cut()
                        return
                    dst.write(chunk)
                    await dst.drain()
            cut()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
        self._transports -= {writer.transport, up_writer.transport}
