"""A well-behaved ClickUp integration: a sync worker.

It walks the workspace once (team, spaces, lists, tasks page by page),
registers a webhook to hear about changes instead of polling, then works
until SIGTERM: reads a task now and then (through a cache), updates tasks,
comments and creates tasks. The client (clickup.py) handles rate limits,
retries, the circuit breaker and logging; the receiver (webhooks.py)
answers deliveries at once and de-duplicates them. While ClickUp is down
the worker degrades and keeps running; `--health-port` serves a health
endpoint that says so.

    CLICKUP_API_TOKEN=... python3 sync_worker.py [--health-port 8080]

Environment: CLICKUP_API_URL (default https://api.clickup.com/api/v2),
CLICKUP_API_TOKEN, CLICKUP_API_TOKEN_FILE (re-read after a 401).
Exit: 0 on SIGTERM or SIGINT, 2 without a token or when the health port is taken.
"""

import argparse
import itertools
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import clickup
from clickup import ClickUpError, Stopped, TokenRefused, Unavailable, log
from webhooks import Receiver

EVENTS = ["taskCreated", "taskUpdated", "taskDeleted", "taskCommentPosted"]


class SyncWorker:
    """The application. Each policy is a method, so a variant overrides one."""

    job_interval = (1.0, 1.6)  # seconds between jobs, drawn at random
    watch_every = (6.0, 7.0)  # seconds between looks at the webhook's health
    first_watch = 0.0  # look at once: is the new webhook listed and active?
    store_seconds = 1.5  # the slow part of handling an event: your database, say
    receiver_class = Receiver

    def __init__(self, client):
        self.client = client
        self.stop = threading.Event()
        self.healthy = True
        self.team = self.webhook_id = self.receiver = None
        self.tasks, self.lists = [], []
        self.created = 0
        client.on_unavailable = self.on_clickup_down
        client.on_recovered = self.on_clickup_back

    # -- startup -------------------------------------------------------------

    def sync(self):
        """Walks the hierarchy once: team, spaces, lists (in folders and
        not), and every list's tasks page by page."""
        self.tasks = []
        self.client.get("/user", cached=True)
        self.team = self.client.get("/team", cached=True)["teams"][0]["id"]
        lists = []
        for space in self.client.get(f"/team/{self.team}/space", cached=True)["spaces"]:
            for folder in self.client.get(f"/space/{space['id']}/folder", cached=True)["folders"]:
                lists.extend(folder.get("lists") or [])
            lists.extend(self.client.get(f"/space/{space['id']}/list", cached=True)["lists"])
        for each in lists:
            for page in itertools.count():
                doc = self.client.get(f"/list/{each['id']}/task?page={page}", cached=True)
                self.tasks.extend(task["id"] for task in doc["tasks"])
                if doc.get("last_page", True):
                    break
        self.lists = [each["id"] for each in lists]
        log("synced", lists=len(lists), tasks=len(self.tasks))

    def listen_for_changes(self):
        """A webhook tells us what changes; a watcher keeps it healthy."""
        if self.receiver is None:
            self.receiver = self.receiver_class(self.process_event)
            self.receiver.start()
        self.register_webhook()
        threading.Thread(target=self.watch_webhook, name="webhook-watcher", daemon=True).start()

    def register_webhook(self):
        doc = self.client.post(f"/team/{self.team}/webhook", {"endpoint": self.receiver.url, "events": EVENTS})
        self.webhook_id = doc["id"]
        self.receiver.secrets[doc["id"]] = doc["webhook"]["secret"]
        log("webhook_registered", webhook_id=doc["id"], endpoint=self.receiver.url)

    # -- the work ----------------------------------------------------------------

    def run(self):
        while not self.stop.is_set():  # ClickUp may be down at startup: try until it is not
            try:
                self.sync()
                self.listen_for_changes()
                break
            except (Unavailable, TokenRefused, ClickUpError, KeyError, TypeError, IndexError) as error:
                self.degraded(error)
                self.stop.wait(random.uniform(*self.job_interval))
        jobs = itertools.cycle(
            [self.read_task, self.update_task, self.comment, self.read_task, self.update_task, self.create_task]
        )
        while not self.stop.wait(random.uniform(*self.job_interval)):
            try:
                next(jobs)()
            except (Unavailable, TokenRefused) as error:
                self.degraded(error)
            except ClickUpError as error:
                log("job_failed", level="warning", status=error.status, ecode=error.ecode)
            except (KeyError, TypeError, IndexError) as error:  # an answer of an unexpected shape
                log("job_failed", level="warning", error=repr(error))

    def read_task(self):
        self.client.get(f"/task/{random.choice(self.tasks)}", cached=True)

    def update_task(self):
        path = f"/task/{random.choice(self.tasks)}"
        task = self.client.put(path, {"description": f"checked by the sync worker at {time.strftime('%H:%M:%S')}"})
        self.client.cache.put(path, task)

    def comment(self):
        self.client.post(f"/task/{random.choice(self.tasks)}/comment", {"comment_text": "synced", "notify_all": False})

    def create_task(self):
        """A new task, in each list in turn. Not retried after a 500: ClickUp
        may have made it already (see Client._retryable)."""
        self.created += 1
        each = self.lists[self.created % len(self.lists)]
        task = self.client.post(f"/list/{each}/task", {"name": f"Sync worker task {self.created}"})
        self.tasks.append(task["id"])

    def process_event(self, event):
        """The work for one webhook event: fetch the task once, store it."""
        task_id = event.get("task_id")
        if task_id:
            path = f"/task/{task_id}"
            self.client.cache.forget(path)
            self.client.get(path, cached=True)
            time.sleep(self.store_seconds)
        log("webhook_processed", task_id=task_id, history_ids=[h.get("id") for h in event.get("history_items", [])])

    def watch_webhook(self):
        """Health-watching, not polling data: ClickUp suspends a webhook
        after failures and says nothing, so look at the listing and bring it
        back (reactivate it, or register again if it is gone)."""
        delay = self.first_watch
        while not self.stop.wait(delay):
            delay = random.uniform(*self.watch_every)
            try:
                hooks = self.client.get(f"/team/{self.team}/webhook")["webhooks"]
                ours = next((h for h in hooks if h["id"] == self.webhook_id), None)
                if ours is None:
                    log("webhook_missing", level="warning", webhook_id=self.webhook_id)
                    self.register_webhook()
                elif ours["health"]["status"] == "suspended":
                    body = {"endpoint": ours["endpoint"], "events": ours["events"], "status": "active"}
                    self.client.put(f"/webhook/{self.webhook_id}", body)
                    log("webhook_reactivated", webhook_id=self.webhook_id, fail_count=ours["health"]["fail_count"])
            except (Unavailable, TokenRefused, ClickUpError, KeyError, TypeError) as error:
                log("webhook_check_skipped", reason=str(error))
            except Stopped:
                return

    # -- when ClickUp is down -----------------------------------------------------

    def degraded(self, error):
        log("degraded", level="warning", reason=str(error), ecode=getattr(error, "ecode", None))

    def on_clickup_down(self):
        """The breaker opened: keep running, report degraded, retry later."""
        self.healthy = False

    def on_clickup_back(self):
        self.healthy = True

    def shutdown(self):
        self.client.resume()
        if self.webhook_id and self.client.breaker.allows():
            try:  # our endpoint dies with us: do not leave ClickUp delivering to it
                self.client.delete(f"/webhook/{self.webhook_id}", wait=2.0)
            except Exception as error:
                log("webhook_not_deleted", reason=str(error))
        self.client.stop()


def serve_health(worker, port):
    """GET /health: 200 while running, saying whether ClickUp is reachable.
    It stays 200 during an outage: the worker is fine, ClickUp is not."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/health":
                self.send_error(404)
                return
            status = "ok" if worker.healthy else "degraded"
            body = json.dumps({"status": status, "clickup": "reachable" if worker.healthy else "unreachable"})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Health)
    except OSError as error:
        log("health_endpoint_failed", level="error", port=port, reason=error.strerror)
        sys.exit(2)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log("health_endpoint", url=f"http://127.0.0.1:{server.server_address[1]}/health")


def main(worker_class=SyncWorker, client_class=clickup.Client):
    """Runs a worker until SIGTERM; the naive examples pass their variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--health-port", type=int, help="serve GET /health on 127.0.0.1:PORT")
    args = parser.parse_args()
    threading.excepthook = lambda hook: log("thread_crashed", level="error", error=repr(hook.exc_value))
    worker = worker_class(clickup.from_environment(client_class))

    def stop(signum, _frame):
        if worker.stop.is_set():
            return  # already on the way out
        log("stopping", signal=signal.Signals(signum).name)
        worker.stop.set()
        worker.client.interrupt()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.health_port is not None:
        serve_health(worker, args.health_port)
    log("started", worker=worker_class.__name__, pid=os.getpid())
    try:
        worker.run()
    except Stopped:
        pass
    worker.shutdown()
    log("stopped")
    sys.exit(0)


if __name__ == "__main__":
    main()
