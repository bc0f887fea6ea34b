"""Naive: polls every second instead of using a webhook.

Everything is sync_worker.py except one policy: to hear about changes it
asks for a list's tasks every second, uncached, instead of registering a
webhook. Most answers are the same data again, and each costs a request of
the rate-limit window.
"""

import threading
import time

import sync_worker
from clickup import ClickUpError, Stopped, TokenRefused, Unavailable, log


class PollingWorker(sync_worker.SyncWorker):
    def listen_for_changes(self):
        threading.Thread(target=self.poll, name="poller", daemon=True).start()

    def poll(self):
        path = f"/list/{self.lists[0]}/task?page=0"
        due = time.monotonic()
        while True:
            due = max(due + 1.0, time.monotonic())  # the mistake: ask every second, on the clock
            if self.stop.wait(due - time.monotonic()):
                return
            try:
                self.client.get(path)
            except (Unavailable, TokenRefused, ClickUpError) as error:
                log("poll_failed", reason=str(error))
            except Stopped:
                return


if __name__ == "__main__":
    sync_worker.main(worker_class=PollingWorker)
