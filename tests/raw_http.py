"""Requests written byte by byte, for what an HTTP client library will not send (header
bytes that are not UTF-8)."""

from __future__ import annotations

import asyncio


async def raw_post(port: int, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """POST `body` to 127.0.0.1:`port` with exactly these headers; the status answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [b"POST " + path.encode() + b" HTTP/1.1", b"Host: 127.0.0.1"]
        lines += [name + b": " + value for name, value in headers]
        lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        return int(status_line.split()[1])
    finally:
        writer.close()
        await writer.wait_closed()
