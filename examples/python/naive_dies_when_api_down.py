"""Naive: dies when the API is down.

Everything is sync_worker.py except one policy: when the circuit breaker
opens (ClickUp answers nothing but failures), the worker exits with status
1 instead of degrading and waiting. Whatever supervises it restarts it into
the same outage, and its webhook endpoint and health check die with it.
"""

import os

import sync_worker
from clickup import log


class DiesWhenDownWorker(sync_worker.SyncWorker):
    def on_clickup_down(self):
        log("giving_up", level="error", reason="ClickUp is down")
        os._exit(1)  # the mistake: an outage of the API ends the worker


if __name__ == "__main__":
    sync_worker.main(worker_class=DiesWhenDownWorker)
