"""A console client without a browser, for the talk tests (talk.py, talk_fleet.py): sign in, and a
WebSocket on /talk/socket spoken by hand (RFC 6455 framing: masked client frames), so that the
tests can also send what a browser never would.

    console = Console("http://127.0.0.1:PORT")
"""
import base64
import http.client
import os
import re
import socket
import struct
import urllib.parse


class Console:
    def __init__(self, base):
        self.base = base
        self.url = urllib.parse.urlparse(base)

    def connection(self):
        return http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=20)

    def sign_in(self, name):
        """The session cookie of `name` (password "password-<name>")."""
        conn = self.connection()
        conn.request("POST", "/login", body=urllib.parse.urlencode({"name": name, "password": f"password-{name}"}),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        conn.close()
        return (r.getheader("Set-Cookie") or "").split(";")[0]

    def csrf(self, cookie, page="/talk"):
        conn = self.connection()
        conn.request("GET", page, headers={"Cookie": cookie})
        token = re.search(rb'<meta name="csrf" content="([^"]+)"', conn.getresponse().read()).group(1).decode()
        conn.close()
        return token

    def upgrade(self, cookie, origin):
        """A WebSocket handshake on /talk/socket; returns (status, the open socket or None)."""
        s = socket.create_connection((self.url.hostname, self.url.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /talk/socket HTTP/1.1", f"Host: {self.url.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if origin:
            lines.append(f"Origin: {origin}")
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
        if status != 101:
            s.close()
            return status, None
        return status, s


def send_text(s, text):
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)


def send_binary(s, payload):
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    head = bytes([0x82, 0x80 | 126]) + struct.pack(">H", len(payload)) if len(payload) >= 126 else bytes([0x82, 0x80 | len(payload)])
    s.sendall(head + mask + masked)


def exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(s):
    """One frame from the server (unmasked): (opcode, payload)."""
    first, second = exactly(s, 2)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack(">H", exactly(s, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", exactly(s, 8))[0]
    return first & 0x0F, exactly(s, n)


def read_text(s):
    opcode, data = read_frame(s)
    return opcode, data.decode(errors="replace")
