"""What the two-server test needs beside the portal: an HTTP client that logs in and sends
forms as a browser does (behind the region's proxy, over HTTPS as the proxy tells it), a
mail server that keeps what it is sent, and a gate in front of PostgreSQL that can be shut
for a while, as when the database server restarts."""

import contextlib
import html.parser
import http.client
import re
import socket
import socketserver
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from urllib.parse import urlencode, urljoin, urlsplit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Visitor:
    """One person's browser against one server: cookies kept, redirects followed on GET,
    CSRF token and Origin sent on POST, and X-Forwarded-Proto as the proxy sets it."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def on(self, base: str) -> "Visitor":
        """The same person (the same session) on another server."""
        return Visitor(base, self.cookies)

    def request(self, method, path, body=b"", content_type=None, timeout=30) -> Response:
        parts = urlsplit(urljoin(self.base, path))
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {"X-Forwarded-Proto": "https", "Host": parts.netloc}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"https://{parts.netloc}"
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(method, target, body=body, headers=headers)
            raw = connection.getresponse()
            body_read = raw.read()
        finally:
            connection.close()
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip().strip('"')
                else:
                    self.cookies.pop(key.strip(), None)
        headers_read = {k.lower(): v for k, v in raw.getheaders()}
        return Response(raw.status, headers_read, body_read, urljoin(self.base, target))

    def get(self, path, follow=True) -> Response:
        response = self.request("GET", path)
        for _ in range(10):
            if not (follow and response.status in (301, 302, 303)):
                break
            location = urlsplit(response.location)
            response = self.request(
                "GET", location.path + (f"?{location.query}" if location.query else "")
            )
        return response

    def post(self, path, data, files=None) -> Response:
        """The form at `path` as the browser sends it: its CSRF token from the page first.
        A page that does not come (an error page instead) is the answer, as in a browser."""
        page = self.get(path)
        if page.status != 200:
            return page
        token = csrf_token(page.text)
        fields = {"csrfmiddlewaretoken": token, **data}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields, doseq=True).encode(), None
        return self.request("POST", path, body, content_type)

    def post_form(self, path, form_id, changes) -> Response:
        """Sends back the form with this id on the page at `path` as it stands, with
        `changes`: what an admin change form needs (every field, the inlines' forms)."""
        page = self.get(path)
        data = FormScraper.fields_of(page.text, form_id)
        data.update(changes)
        return self.request("POST", path, urlencode(data, doseq=True).encode())

    def log_in(self, email, password) -> Response:
        response = self.post("/logga-in/", {"username": email, "password": password})
        assert response.status == 302, (response.status, response.text[:2000])
        return response


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    lines = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{name}"'.encode(),
                b"",
                str(item).encode(),
            ]
    for name, (filename, content, content_type) in files.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


class FormScraper(html.parser.HTMLParser):
    """The values a browser would send for a form as the page shows it."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.data: list[tuple[str, str]] = []
        self._textarea = self._select = None
        self._text: list[str] = []
        self._first_option = None
        self._selected = False

    @classmethod
    def fields_of(cls, page, form_id):
        scraper = cls(form_id)
        scraper.feed(page)
        merged: dict[str, list[str]] = {}
        for name, value in scraper.data:
            merged.setdefault(name, []).append(value)
        return {k: v if len(v) > 1 else v[0] for k, v in merged.items()}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if tag == "option" and self.inside and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.data.append((self._select, value))
                self._selected = True
            return
        if not self.inside or not a.get("name") or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._first_option, self._selected = a["name"], None, False

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected and self._first_option is not None:
                self.data.append((self._select, self._first_option))
            self._select = None


class MailServer(socketserver.ThreadingTCPServer):
    """An SMTP server on loopback that keeps each message it is sent (enough SMTP for
    Django's mail backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.messages: list[tuple[list[str], object]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server_address[1]

    def recipients(self):
        with self.lock:
            return [address for to, _ in self.messages for address in to]


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        def say(line):
            self.wfile.write(line.encode() + b"\r\n")

        say("220 test ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                say("250 test")
            elif verb == "MAIL":
                recipients = []
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(re.search(r"<(.*)>", command).group(1))
                say("250 OK")
            elif verb == "DATA":
                say("354 go on")
                lines = []
                while (part := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(part[1:] if part.startswith(b"..") else part)
                with self.server.lock:
                    self.server.messages.append((recipients, message_from_bytes(b"".join(lines))))
                say("250 OK")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:  # RSET, NOOP
                say("250 OK")


class DatabaseGate:
    """A TCP relay in front of PostgreSQL. shut() closes every connection through it and
    refuses new ones, as a database server that restarts does; open() lets them through."""

    def __init__(self, host="127.0.0.1", port=5432):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_open = True
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def shut(self):
        self.is_open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def open(self):
        self.is_open = True

    def close(self):
        self.shut()
        self.listener.close()
