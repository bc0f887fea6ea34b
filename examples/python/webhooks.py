"""Receiving ClickUp webhooks well.

- X-Signature is checked against the raw body (HMAC-SHA256 with the secret
  ClickUp returned when the webhook was created), in constant time; a bad
  one gets 403, never 401 (ClickUp suspends a webhook at once on a 401).
- Every genuine delivery is answered 200 at once; the work happens on a
  worker thread, so answers stay fast under a burst.
- Deliveries are de-duplicated by history_items[].id: ClickUp retries, and a
  repeat is acknowledged and skipped.
"""

import hashlib
import hmac
import json
import queue
import threading
import time
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from clickup import Stopped, Unavailable, log


class Receiver:
    """A webhook endpoint on 127.0.0.1 (port 0: any free port)."""

    path = "/clickup/webhook"
    remembered = 10_000  # history item ids kept for de-duplication

    def __init__(self, process, host="127.0.0.1", port=0):
        self.process = process  # does the work for one event
        self.secrets = {}  # webhook id -> signing secret
        self._seen = OrderedDict()
        self._lock = threading.Lock()
        self._work = queue.Queue()
        self.server = _Server((host, port), _handler_for(self))

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True).start()
        threading.Thread(target=self._worker, name="webhook-worker", daemon=True).start()

    def receive(self, body, signature):
        """The status to answer one delivery with."""
        if not signature:
            return 400
        if not self._signed_by_us(body, signature):
            log("webhook_rejected", level="warning", reason="bad signature")
            return 403
        try:
            event = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(event, dict):
            return 400
        ids = [str(item["id"]) for item in event.get("history_items") or [] if isinstance(item, dict) and "id" in item]
        fields = {"event_name": event.get("event"), "task_id": event.get("task_id"), "history_ids": ids}
        if ids and not self._first_time(ids):
            log("webhook_duplicate", action="acknowledged and skipped: already seen", **fields)
            return 200
        log("webhook_received", **fields)
        self.accept(event)
        return 200

    def accept(self, event):
        """Hands the event to the worker thread: the answer does not wait for the work."""
        self._work.put(event)

    def _signed_by_us(self, body, signature):
        for secret in list(self.secrets.values()):
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signature.strip().lower()):
                return True
        return False

    def _first_time(self, ids):
        with self._lock:
            new = [i for i in ids if i not in self._seen]
            for i in new:
                self._seen[i] = True
            while len(self._seen) > self.remembered:
                self._seen.popitem(last=False)
            return bool(new)

    def _worker(self):
        while True:
            event = self._work.get()
            while True:
                try:
                    self.process(event)
                    break
                except Unavailable:
                    time.sleep(2.0)  # ClickUp is down: keep the event and try again
                except Stopped:
                    return
                except Exception as error:  # one bad event must not stop the worker
                    log("webhook_processing_failed", level="error", error=str(error), task_id=event.get("task_id"))
                    break


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of deliveries connects at once


def _handler_for(receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path.split("?")[0] != receiver.path:
                self._answer(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20))
            self._answer(receiver.receive(body, self.headers.get("X-Signature")))

        def _answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # our own JSON lines only
            pass

    return Handler
