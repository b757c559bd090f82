"""A webhook receiver as a third party would write it, run as its own process by the tests.

It verifies every request with the ``standardwebhooks`` package, keeps the ids it accepted in a
file (its own deduplication store, which survives a restart), answers a repeated id with 200
without accepting it again, and can kill itself with SIGKILL on the Nth request, after storing
it but before answering, as a crash at the worst moment would.

    python receiver.py PORT CERT KEY SECRET LOG [--die-on N] [--status CODE]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook, WebhookVerificationError


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("port", "cert", "key", "secret", "log"):
        parser.add_argument(name)
    parser.add_argument("--die-on", type=int, default=0)
    parser.add_argument("--status", type=int, default=200)
    args = parser.parse_args()
    log = Path(args.log)
    seen = {json.loads(line)["id"] for line in log.read_text().splitlines()
            if line and json.loads(line)["kind"] == "accepted"} if log.exists() else set()
    webhook = Webhook(args.secret)
    requests = 0

    def write(entry: dict[str, object]) -> None:
        with log.open("a") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            nonlocal requests
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                payload = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                write({"kind": "rejected", "error": str(exc)})
                self._answer(400)
                return
            msg_id = self.headers["webhook-id"]
            requests += 1
            if msg_id in seen:
                write({"kind": "duplicate", "id": msg_id})
            else:
                seen.add(msg_id)
                write({"kind": "accepted", "id": msg_id, "type": payload["type"],
                       "resource": payload["resource"], "host": self.headers["Host"]})
            if requests == args.die_on:
                os.kill(os.getpid(), signal.SIGKILL)
            self._answer(args.status)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(args.port)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
