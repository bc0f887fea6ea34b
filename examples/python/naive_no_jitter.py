"""Naive: exponential backoff without jitter.

Everything is sync_worker.py except one policy: the retry delays double
exactly (0.5 s, 1 s, 2 s, 4 s). Every client that failed at the same moment
retries at the same moments too, so they hit the recovering API together.
"""

import clickup
import sync_worker


class NoJitterClient(clickup.Client):
    def backoff(self, attempt, floor=0.0):
        return self.step(attempt)  # the mistake: no random part


if __name__ == "__main__":
    sync_worker.main(client_class=NoJitterClient)
