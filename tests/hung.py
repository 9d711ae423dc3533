"""A TCP server that accepts connections and never answers: what a hung Redis looks
like from outside (the kernel completes the handshake, nothing replies)."""

from __future__ import annotations

import contextlib
import socket
import threading


@contextlib.contextmanager
def hung_server():
    """Yields a redis:// URL whose server accepts and then says nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
