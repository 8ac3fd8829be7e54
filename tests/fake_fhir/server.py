"""A fake FHIR R4 server on 127.0.0.1, for tests and benchmarks: the Appointment search a
practice system's server answers, with its paging, and the faults real servers have.

It serves the Appointment and Patient resources a test puts in its store (shaped like the
specification's examples: ``tests.fake_fhir.resources``) as a ``searchset`` Bundle:
``_lastUpdated=ge…`` (or gt/le/lt) filters, results sorted by ``meta.lastUpdated``, ``_count``
pages with an absolute ``next`` link, ``_include=Appointment:patient`` adds each patient
once (``search.mode`` "include"). Errors are OperationOutcomes.

In a test::

    fake = FakeFhir().start()
    fake.put(appointment("a1", last_updated=...), patient("p1"))
    fake.require_bearer("secret")           # 401 without ``Authorization: Bearer secret``
    fake.smart("client-1", public_pem)      # POST /token takes a signed JWT assertion
    fake.fail_next(429, count=2, retry_after=1)
    fake.fail_next(500, count=3)
    fake.hang(2.0)                          # the next search answers after 2 s
    fake.malformed_in_page(2)               # page 2 carries a broken Appointment
    fake.drop_after_page(1)                 # requests for pages after 1: connection closed
    fake.block_page(2); fake.wait_for_page(2); fake.release()   # hold page 2
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

from tests.fake_fhir.resources import instant, malformed_appointment
from tests.http_fake import ThreadedFake

DEFAULT_COUNT = 50
MAX_COUNT = 500
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _updated(resource: dict) -> dt.datetime:
    return _moment(resource["meta"]["lastUpdated"])


def outcome(code: str, diagnostics: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


def _page_asked(query: dict) -> int:
    try:
        count = max(1, min(int(query.get("_count", [DEFAULT_COUNT])[-1]), MAX_COUNT))
        return max(0, int(query.get("_offset", ["0"])[-1])) // count + 1
    except ValueError:
        return 1


class FhirError(Exception):
    def __init__(self, status: int, code: str, diagnostics: str, headers: dict | None = None):
        super().__init__(diagnostics)
        self.status, self.body, self.headers = status, outcome(code, diagnostics), headers or {}


class FakeFhir(ThreadedFake):
    """The fake server. Thread-safe; ``start()`` runs it in a daemon thread."""

    thread_name = "fake-fhir"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self._reset_state()

    def _handler(self):
        return _handler_for(self)

    def _before_shutdown(self) -> None:
        self.release()

    @property
    def base_url(self) -> str:
        return f"{self.origin}/fhir"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/auth/token"

    # --- the store and the switches -------------------------------------------------------

    def _reset_state(self) -> None:
        self._appointments: dict[str, dict] = {}
        self._patients: dict[str, dict] = {}
        self._bearer: str | None = None
        self._smart: dict | None = None
        self._issued: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self._jtis: set[str] = set()
        self._failures: list[dict] = []  # {"status", "count", "retry_after"}
        self._hangs: list[float] = []
        self._malformed_pages: set[int] = set()
        self._drop_after: tuple[int, int | None] | None = None
        self._block: int | None = None
        self._blocked = threading.Event()  # set when the blocked page was asked for
        self._release = threading.Event()
        self.searches: list[dict] = []  # each search's query (``_offset`` included)
        self.token_requests = 0

    def reset(self) -> None:
        """Empty the store; forget auth, switches and logs (a held page is let go)."""
        self.release()
        with self._lock:
            self._reset_state()

    def put(self, *resources: dict) -> None:
        """Add or replace Appointments and Patients (copies are kept)."""
        with self._lock:
            for resource in resources:
                kind = resource["resourceType"]
                store = self._appointments if kind == "Appointment" else self._patients
                store[resource["id"]] = copy.deepcopy(resource)

    def require_bearer(self, token: str | None) -> None:
        with self._lock:
            self._bearer = token

    def smart(self, client_id: str, public_key_pem: str, lifetime: int = 300) -> None:
        """Require SMART Backend Services: ``POST /auth/token`` checks the client's signed
        assertion with ``public_key_pem`` and issues tokens good for ``lifetime`` s; the
        search accepts only those."""
        with self._lock:
            self._smart = {"client_id": client_id, "key": public_key_pem, "lifetime": lifetime}

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (as after a server restart)."""
        with self._lock:
            self._issued.clear()

    def fail_next(
        self,
        status: int,
        count: int = 1,
        retry_after: int | str | None = None,
        page: int | None = None,
    ) -> None:
        """Answer the next ``count`` searches (only those for page ``page`` and later, if
        given) with ``status`` and an OperationOutcome."""
        with self._lock:
            self._failures.append(
                {"status": status, "count": count, "retry_after": retry_after, "page": page}
            )

    def hang(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` searches answer only after ``seconds``."""
        with self._lock:
            self._hangs.extend([seconds] * count)

    def malformed_in_page(self, page: int) -> None:
        """Page ``page`` (from 1) carries a broken Appointment in the middle of its entries."""
        with self._lock:
            self._malformed_pages.add(page)

    def drop_after_page(self, page: int, count: int | None = None) -> None:
        """Searches for a page after ``page`` get their connection closed without an answer
        (``count`` times, or until reset / ``drop_after_page(0, 0)``)."""
        with self._lock:
            self._drop_after = (page, count) if count != 0 else None

    def block_page(self, page: int) -> None:
        """Hold the answer to page ``page`` until ``release()``."""
        with self._lock:
            self._block = page
            self._blocked.clear()
            self._release.clear()

    def wait_for_page(self, timeout: float = 30.0) -> bool:
        """Block until the held page was asked for (the pages before it were applied)."""
        return self._blocked.wait(timeout)

    def release(self) -> None:
        self._release.set()

    # --- answering (the handler threads) --------------------------------------------------

    def _authorize(self, header: str | None) -> None:
        token = header[7:] if header and header.startswith("Bearer ") else None
        if self._smart is not None:
            expiry = self._issued.get(token or "")
            if expiry is None or expiry < time.time():
                raise FhirError(401, "login", "Access token missing, unknown or expired.")
        elif self._bearer is not None and token != self._bearer:
            raise FhirError(401, "login", "Bearer token missing or not accepted.")

    def search(self, query: dict, auth: str | None) -> tuple[int, dict, dict, str]:
        """(status, body, headers, what to do first: "" / "drop" / "hang:<s>" / "block")."""
        with self._lock:
            self.searches.append({k: v[-1] for k, v in query.items()})
            hang = self._hangs.pop(0) if self._hangs else 0.0
            asked = _page_asked(query)
            try:
                for failure in self._failures:
                    if failure["count"] > 0 and asked >= (failure["page"] or 0):
                        failure["count"] -= 1
                        headers = {}
                        if failure["retry_after"] is not None:
                            headers["Retry-After"] = str(failure["retry_after"])
                        code = "throttled" if failure["status"] == 429 else "exception"
                        raise FhirError(failure["status"], code, "Try again later.", headers)
                self._authorize(auth)
                body, page = self._bundle(query)
            except FhirError as error:
                return error.status, error.body, error.headers, f"hang:{hang}" if hang else ""
            action = f"hang:{hang}" if hang else ""
            if self._drop_after and page > self._drop_after[0]:
                after, count = self._drop_after
                if count is not None:
                    self._drop_after = (after, count - 1) if count > 1 else None
                action = "drop"
            elif self._block == page:
                self._block = None
                action = "block"
        return 200, body, {}, action

    def _bundle(self, query: dict) -> tuple[dict, int]:
        def one(name: str, default: str = "") -> str:
            return query.get(name, [default])[-1]

        try:
            count = max(1, min(int(one("_count", str(DEFAULT_COUNT))), MAX_COUNT))
            offset = max(0, int(one("_offset", "0")))
        except ValueError:
            raise FhirError(400, "invalid", "_count and _offset must be integers.") from None
        matching = list(self._appointments.values())
        for bound in query.get("_lastUpdated", []):
            prefix, value = (bound[:2], bound[2:]) if bound[:2].isalpha() else ("eq", bound)
            try:
                moment = _moment(value)
            except ValueError:
                raise FhirError(400, "invalid", f"Bad _lastUpdated: {bound}") from None
            test = {
                "ge": lambda u, m=moment: u >= m,
                "gt": lambda u, m=moment: u > m,
                "le": lambda u, m=moment: u <= m,
                "lt": lambda u, m=moment: u < m,
                "eq": lambda u, m=moment: u == m,
            }.get(prefix)
            if test is None:
                raise FhirError(400, "invalid", f"Unsupported prefix in _lastUpdated: {prefix}")
            matching = [a for a in matching if test(_updated(a))]
        sort = one("_sort", "")
        if sort.lstrip("-") == "_lastUpdated":
            matching.sort(key=lambda a: (_updated(a), a["id"]), reverse=sort.startswith("-"))
        page = offset // count + 1
        chunk = matching[offset : offset + count]
        entries = [
            {
                "fullUrl": f"{self.base_url}/Appointment/{a['id']}",
                "resource": copy.deepcopy(a),
                "search": {"mode": "match"},
            }
            for a in chunk
        ]
        if page in self._malformed_pages and chunk:
            broken = malformed_appointment(f"broken-{page}", _updated(chunk[0]))
            entries.insert(
                len(entries) // 2,
                {
                    "fullUrl": f"{self.base_url}/Appointment/broken-{page}",
                    "resource": broken,
                    "search": {"mode": "match"},
                },
            )
        if "Appointment:patient" in query.get("_include", []):
            seen: set[str] = set()
            for a in chunk:
                for participant in a.get("participant", []):
                    ref = participant.get("actor", {}).get("reference", "")
                    if ref.startswith("Patient/") and ref not in seen:
                        seen.add(ref)
                        found = self._patients.get(ref.removeprefix("Patient/"))
                        if found is not None:
                            entries.append(
                                {
                                    "fullUrl": f"{self.base_url}/{ref}",
                                    "resource": copy.deepcopy(found),
                                    "search": {"mode": "include"},
                                }
                            )
        pairs = [(k, v) for k, values in query.items() for v in values if k != "_offset"]

        def link(at: int) -> str:
            return f"{self.base_url}/Appointment?{urlencode([*pairs, ('_offset', at)])}"

        links = [{"relation": "self", "url": link(offset)}]
        if offset + count < len(matching):
            links.append({"relation": "next", "url": link(offset + count)})
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": instant(dt.datetime.now(dt.UTC))},
            "type": "searchset",
            "total": len(matching),
            "link": links,
            "entry": entries,
        }
        return bundle, page

    def token(self, form: dict) -> tuple[int, dict]:
        """SMART Backend Services' token endpoint (client credentials, signed assertion)."""
        with self._lock:
            self.token_requests += 1
            smart = self._smart
        if smart is None:
            return 404, {"error": "invalid_request", "error_description": "No token endpoint."}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("scope"):
            return 400, {"error": "invalid_request"}
        try:
            claims = jwt.decode(
                form.get("client_assertion", ""),
                smart["key"],
                algorithms=["RS384", "ES384"],
                audience=self.token_url,
                issuer=smart["client_id"],
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except jwt.PyJWTError as error:
            return 401, {"error": "invalid_client", "error_description": str(error)}
        if claims["sub"] != smart["client_id"] or claims["exp"] > time.time() + 300:
            return 401, {"error": "invalid_client", "error_description": "sub or exp"}
        with self._lock:
            if claims["jti"] in self._jtis:
                return 401, {"error": "invalid_client", "error_description": "jti reused"}
            self._jtis.add(claims["jti"])
            access = secrets.token_urlsafe(24)
            self._issued[access] = time.time() + smart["lifetime"]
        return 200, {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": smart["lifetime"],
            "scope": form["scope"],
        }

    def _connected(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _disconnected(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)


def _handler_for(fake: FakeFhir) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True  # else small answers wait ~40 ms for delayed ACKs
        server_version = "FakeFhir/1.0"
        sys_version = ""

        def setup(self):
            super().setup()
            fake._connected(self.connection)

        def finish(self):
            fake._disconnected(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format, *args):
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            if url.path.rstrip("/") != "/fhir/Appointment":
                self._send(404, outcome("not-found", f"No route {url.path}"), {})
                return
            status, body, headers, action = fake.search(query, self.headers.get("Authorization"))
            if action == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if action == "block":
                fake._blocked.set()
                fake._release.wait(60)
            if action.startswith("hang:") and fake._stopping.wait(float(action[5:])):
                self.close_connection = True
                return
            self._send(status, body, headers, "application/fhir+json")

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if url.path != "/auth/token":
                self._send(404, outcome("not-found", f"No route {url.path}"), {})
                return
            form = {k: v[-1] for k, v in parse_qs(raw).items()}
            status, body = fake.token(form)
            self._send(status, body, {"Cache-Control": "no-store"})

        def _send(self, status: int, body: dict, headers: dict, kind="application/json"):
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Bearer realm="fhir"')
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (a timeout test)
                self.close_connection = True

    return Handler
