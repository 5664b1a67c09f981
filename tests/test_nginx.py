"""docs/nginx.conf, for real: Debian's nginx in front of `helpdesk serve` (a real process).

Skipped, saying why, when /usr/sbin/nginx is missing (`scripts/ensure-nginx`, which
`make test` runs, installs it as root).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.settings import PROJECT_ROOT

NGINX = Path(os.environ.get("NGINX_PATH", "/usr/sbin/nginx"))
SITE = PROJECT_ROOT / "docs" / "nginx.conf"
HEADER_TIMEOUT = 2  # seconds: the test's client_header_timeout (the file says 10s)
MARGIN = 3.0

pytestmark = pytest.mark.skipif(
    not NGINX.exists(),
    reason=f"{NGINX} is missing: Debian's nginx is needed (scripts/ensure-nginx installs it)",
)


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Until something accepts connections on the port (the process must stay alive)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {seconds} s")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and its key, as the site's ssl_certificate expects."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_for_test(bot_port: int, https: int, http: int, cert: Path, key: Path) -> str:
    """docs/nginx.conf with only its addresses, certificate and header timeout replaced."""
    text = SITE.read_text(encoding="utf-8")
    swaps = [
        (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{bot_port};"),
        (r"listen \[::\]:\d+[^;]*;\n", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        (r"listen 80;", f"listen 127.0.0.1:{http};"),
        (r"ssl_certificate /\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key /\S+;", f"ssl_certificate_key {key};"),
        (r"client_header_timeout \d+s;", f"client_header_timeout {HEADER_TIMEOUT}s;"),
    ]
    for pattern, replacement in swaps:
        text, count = re.subn(pattern, lambda _m, r=replacement: r, text)
        assert count >= 1, f"docs/nginx.conf no longer has {pattern!r}"
    return text


@dataclass
class Proxy:
    """nginx on `port` (HTTPS) in front of `helpdesk serve`."""

    port: int
    context: ssl.SSLContext

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TLS connection through nginx."""
        return await asyncio.open_connection(
            "127.0.0.1", self.port, ssl=self.context, server_hostname="localhost"
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, and wait for it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """`helpdesk serve` on SQLite, and nginx with docs/nginx.conf in front of it."""
    tmp_path = tmp_path_factory.mktemp("nginx-test")
    bot_port, https, http = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'helpdesk.db'}", LOG_LEVEL="WARNING")
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(bot_port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "helpdesk.log").open("wb"),
    )
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = self_signed(prefix)
    (prefix / "site.conf").write_text(site_for_test(bot_port, https, http, cert, key))
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n"
        f"  proxy_temp_path {prefix}/proxy;\n  fastcgi_temp_path {prefix}/fastcgi;\n"
        f"  uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n"
        f"  include {prefix}/site.conf;\n}}\n"
    )
    nginx = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("wb"),
    )
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        wait_for_port(bot_port, bot, 60)
        wait_for_port(https, nginx, 15)
        yield Proxy(https, context)
    finally:
        stop(nginx)
        stop(bot)


async def test_a_chat_works_through_nginx(proxy: Proxy) -> None:
    reader, writer = await proxy.connect()
    body = json.dumps({"session": "through-nginx-1", "text": "cài bluezone thế nào"}).encode()
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: helpdesk.example.gov.vn\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    async with asyncio.timeout(30):
        response = await reader.read()
    writer.close()
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    replies = json.loads(payload)["replies"]
    assert any("Bluezone" in reply["text"] for reply in replies)


async def test_a_slowloris_client_is_cut_off_by_nginx(proxy: Proxy) -> None:
    reader, writer = await proxy.connect()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: helpdesk.example.gov.vn\r\nX-Slow: a")
    started = time.monotonic()
    async with asyncio.timeout(HEADER_TIMEOUT + MARGIN):
        while await reader.read(65536):
            pass
    took = time.monotonic() - started
    writer.close()
    assert took >= HEADER_TIMEOUT * 0.8, "cut by client_header_timeout, not at once"
    # ...and nginx still serves everyone else.
    reader, writer = await proxy.connect()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    async with asyncio.timeout(30):
        response = await reader.read()
    writer.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
