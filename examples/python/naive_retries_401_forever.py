"""Naive: retries a 401 forever.

Everything is sync_worker.py except one policy: a request refused for its
token is retried like a 5xx, with backoff but without end, instead of once
with a re-read token and then a pause. A revoked token keeps hammering the
API, and ClickUp sees the same refused request again and again.
"""

import clickup
import sync_worker


class Retries401ForeverClient(clickup.Client):
    def retry_refused_token(self, refusals):
        return self.backoff(refusals)  # the mistake: a refused token is retried until it works


if __name__ == "__main__":
    sync_worker.main(client_class=Retries401ForeverClient)
