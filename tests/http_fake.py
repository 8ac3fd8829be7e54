"""What the fake HTTP servers of the tests (``tests/fake_twilio``, ``tests/fake_fhir``)
share: a threaded server that does not resolve its own name, and the lifecycle of running
one in a daemon thread and closing its kept-alive connections on stop."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a benchmark opens many connections at once

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which can stall
        # for seconds without DNS; the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class ThreadedFake:
    """A fake server's lifecycle. A subclass gives ``_handler()`` (its request handler
    class); its handlers add each kept-alive connection to ``_sockets`` under ``_lock``."""

    thread_name = "fake-http"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._address = (host, port)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def _before_shutdown(self) -> None:
        """Let requests the fake is holding go (called once stopping is set)."""

    @property
    def origin(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = QuietServer(self._address, self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._before_shutdown()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        # Kept-alive connections have threads of their own: close them too.
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
