"""A PostgreSQL wire-protocol proxy that counts round trips and records the SQL that passes.

Whatever the driver does (asyncpg's prepared statements, SQLAlchemy's pre-ping, BEGIN and
COMMIT), it shows here: a round trip is the client writing after the server last wrote (the
client then waits for the answer); the SQL of a round trip is the text of its simple queries
(`Q`) and of the prepared statements its `Bind` messages execute (named by earlier `Parse`
messages on that connection). TLS is refused (`N`), so the stream stays readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSS_REQUEST = 80877104


@dataclass(slots=True)
class Trip:
    statements: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Connection:
    prepared: dict[str, str] = field(default_factory=dict)
    buffer: bytearray = field(default_factory=bytearray)
    started: bool = False
    client_last: bool = False


def _cstring(data: bytes, at: int) -> tuple[str, int]:
    end = data.index(b"\x00", at)
    return data[at:end].decode("utf-8", "replace"), end + 1


class WireProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to the server at `upstream_host`
    (a Unix socket directory, as libpq's `host=`, or a TCP host) and `upstream_port`."""

    def __init__(self, upstream_host: str, upstream_port: int = 5432) -> None:
        self.upstream_host, self.upstream_port = upstream_host, upstream_port
        self.trips: list[Trip] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def reset(self) -> None:
        self.trips = []

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream_host.startswith("/"):
            path = f"{self.upstream_host}/.s.PGSQL.{self.upstream_port}"
            return await asyncio.open_unix_connection(path)
        return await asyncio.open_connection(self.upstream_host, self.upstream_port)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        state = _Connection()
        try:
            head = await self._startup_head(client_reader, client_writer)
            server_reader, server_writer = await self._open_upstream()
        except (OSError, asyncio.IncompleteReadError):
            client_writer.close()
            return
        self._client_sent(state, head)
        server_writer.write(head)

        async def upstream() -> None:
            while data := await client_reader.read(65536):
                self._client_sent(state, data)
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()

        async def downstream() -> None:
            while data := await server_reader.read(65536):
                state.client_last = False
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        with contextlib.suppress(OSError, asyncio.CancelledError):
            await asyncio.gather(upstream(), downstream())

    @staticmethod
    async def _startup_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        """Answer `N` to SSL / GSS encryption requests; the first 8 bytes of the startup message."""
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            if length == 8 and code in (_SSL_REQUEST, _GSS_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            return head

    def _client_sent(self, state: _Connection, data: bytes) -> None:
        if not state.client_last:
            self.trips.append(Trip())
            state.client_last = True
        trip = self.trips[-1]
        state.buffer += data
        if not state.started:
            if len(state.buffer) < 4:
                return
            (length,) = struct.unpack("!i", state.buffer[:4])
            if len(state.buffer) < length:
                return
            del state.buffer[:length]
            state.started = True
        while len(state.buffer) >= 5:
            kind = state.buffer[0:1]
            (length,) = struct.unpack("!i", state.buffer[1:5])
            if len(state.buffer) < 1 + length:
                return
            body = bytes(state.buffer[5 : 1 + length])
            del state.buffer[: 1 + length]
            if kind == b"Q":
                trip.statements.append(_cstring(body, 0)[0])
            elif kind == b"P":
                name, at = _cstring(body, 0)
                state.prepared[name] = _cstring(body, at)[0]
            elif kind == b"B":
                _, at = _cstring(body, 0)
                name, _ = _cstring(body, at)
                trip.statements.append(state.prepared.get(name, f"<unknown prepared {name}>"))
