"""A tiny SMTP server in a thread, keeping what it receives (enough for smtplib's client)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    """What the server was told: commands in order and each message's raw data."""

    commands: list[str] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 fake.example ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            self.server.received.commands.append(verb)
            if verb == "EHLO":
                self.wfile.write(b"250-fake.example\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
            elif verb == "STARTTLS":
                self.reply("454 TLS not available here")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.messages.append(data)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    received: Received


@contextmanager
def fake_smtp_server() -> Iterator[tuple[int, Received]]:
    """Run the server on a free local port; yield the port and what it receives."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.received = Received()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
