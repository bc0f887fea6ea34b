"""Naive: a slow, synchronous webhook receiver.

Everything is sync_worker.py except one policy: each delivery is processed
(the task fetched and stored, a few seconds) before it is answered. One
delivery still answers within ClickUp's 7 s, but a burst waits on the work,
and a slow database would push answers past the limit (ClickUp then counts
them failed, retries them, and suspends the webhook).
"""

import sync_worker
import webhooks
from clickup import log


class SlowReceiver(webhooks.Receiver):
    def accept(self, event):
        try:
            self.process(event)  # the mistake: the work comes before the answer
        except Exception as error:
            log("webhook_processing_failed", level="error", error=str(error))


class SlowReceiverWorker(sync_worker.SyncWorker):
    receiver_class = SlowReceiver


if __name__ == "__main__":
    sync_worker.main(worker_class=SlowReceiverWorker)
