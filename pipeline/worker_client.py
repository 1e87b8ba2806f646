"""The SDK worker command of ``pipeline.warm_workers``: ask the zygote for a worker, wait for it.

Beam runs this once per worker (``python -m pipeline.worker_client SOCKET``) with the
worker's environment (control and logging endpoints, pipeline options, worker id).  It
imports only the standard library, so it starts in milliseconds; the worker itself is a
fork of the warm zygote, and this process exits with that worker's status.  When there
is no zygote to ask, it becomes Beam's own (cold) worker: the run goes on, slower to start.
"""
import json
import os
import socket
import struct
import sys
from typing import Dict, Optional

LENGTH = struct.Struct('>I')
STATUS = struct.Struct('>i')
# Beam's own SDK worker command, what a worker process runs when it is not forked.
COLD_WORKER = 'apache_beam.runners.worker.sdk_worker_main'
# The status when the zygote went away before the worker ended (EX_TEMPFAIL).
LOST = 75


def receive_exactly(conn: socket.socket, size: int) -> Optional[bytes]:
    """size bytes from conn, or None if it closes first."""
    data = b''
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def request_worker(socket_path: str, environment: Dict[str, str]) -> int:
    """Asks the zygote for a worker with this environment; returns the worker's exit status."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(socket_path)
        payload = json.dumps(environment).encode()
        conn.sendall(LENGTH.pack(len(payload)) + payload)
        reply = receive_exactly(conn, STATUS.size)
    return LOST if reply is None else STATUS.unpack(reply)[0]


def main(socket_path: str) -> int:
    try:
        return request_worker(socket_path, dict(os.environ))
    except OSError:
        # No zygote to ask (it could not start, or has gone): this process becomes a cold worker instead.
        return os.execv(sys.executable, [sys.executable, '-m', COLD_WORKER])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
