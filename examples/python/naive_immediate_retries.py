"""Naive: retries at once.

Everything is sync_worker.py except one policy: a failed request is sent
again immediately, whatever the answer said. No backoff after a 5xx or a
refused connection, and no wait for X-RateLimit-Reset after a 429, so a
struggling API gets a burst of identical requests.
"""

import clickup
import sync_worker


class ImmediateRetryClient(clickup.Client):
    def retry_delay(self, attempt, answer):
        return 0.0  # the mistake: retry now, whatever the answer said


if __name__ == "__main__":
    sync_worker.main(client_class=ImmediateRetryClient)
