"""A small ClickUp API v2 client that behaves well in production.

Standard-library Python 3 only. Every request goes through one queue and
one sending thread, which is where the good manners live:

- the token bucket reads X-RateLimit-Limit/Remaining/Reset and spaces
  requests out before the window is spent;
- a 429 stops everything until X-RateLimit-Reset;
- 5xx answers and refused connections are retried with exponential backoff
  and full jitter;
- a circuit breaker opens after consecutive failures: new calls fail fast
  (the caller degrades) and one probe at a time finds out when ClickUp is
  back;
- a 401 is retried at most once, with a token re-read from
  CLICKUP_API_TOKEN_FILE, else everything pauses;
- ClickUp's ECODE is parsed from error bodies and logged;
- each request is one JSON log line: method, path, status, duration_ms,
  ecode when there is one.

Each policy is a method of `Client`, so the naive examples override exactly
one of them and show what goes wrong.
"""

import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict

DEFAULT_API_URL = "https://api.clickup.com/api/v2"
# 401 ECODEs that mean the token itself was refused. Others (OAUTH_023,
# OAUTH_027, ...) mean "this team or resource is not yours": not a token problem.
TOKEN_REFUSED = {"OAUTH_018", "OAUTH_019", "OAUTH_021", "OAUTH_025", "OAUTH_077"}
RESET_MARGIN = 0.1  # seconds past X-RateLimit-Reset before sending again
MAX_BODY = 16 << 20  # no ClickUp answer is this large; a longer one is not read
_print_lock = threading.Lock()


def log(event, **fields):
    """One JSON object per line on stdout: what log collectors (and the drill) read."""
    line = {"ts": round(time.time(), 3), "event": event}
    line.update({k: v for k, v in fields.items() if v is not None})
    with _print_lock:
        print(json.dumps(line), flush=True)


class ClickUpError(Exception):
    """An error answer from ClickUp, with its ECODE when the body had one."""

    def __init__(self, status, ecode=None, message=""):
        super().__init__(f"{status} {ecode or ''} {message}".strip())
        self.status, self.ecode = status, ecode


class TokenRefused(ClickUpError):
    """401 for the token itself: re-authenticate, do not hammer."""


class Unavailable(Exception):
    """ClickUp cannot be reached now: retries spent or the breaker is open."""


class Stopped(Exception):
    """The client is shutting down."""


class Answer:
    """One HTTP answer, or none (status None: refused, reset, timed out)."""

    def __init__(self, status, headers=None, body=b"", reason=""):
        self.status, self.headers, self.body, self.reason = status, headers or {}, body, reason

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def ecode(self):
        doc = self.json()
        return doc.get("ECODE") if isinstance(doc, dict) else None

    def header_number(self, name):
        try:
            return float(self.headers.get(name.lower(), ""))
        except ValueError:
            return None


class RateBudget:
    """A token bucket refilled by ClickUp's own headers.

    ClickUp says how many requests the window has left and when it resets;
    when less than `slow_share` of it is left, requests are spread evenly
    over the time to the reset, and none is sent once it is spent. Absent
    headers (a gateway's page) leave the budget as it was: unknown is not
    "plenty".
    """

    slow_share = 0.2

    def __init__(self):
        self.limit = self.remaining = self.reset_at = None
        self.last_sent = 0.0

    def update(self, answer):
        limit = answer.header_number("x-ratelimit-limit")
        remaining = answer.header_number("x-ratelimit-remaining")
        reset = answer.header_number("x-ratelimit-reset")
        if None in (limit, remaining, reset):
            return
        self.limit, self.remaining = limit, remaining
        self.reset_at = reset / 1000 if reset > 1e12 else reset  # milliseconds, as some proxies send

    def wait_turn(self, stop):
        now = time.time()
        wait = 0.0
        if self.reset_at is not None and now < self.reset_at + RESET_MARGIN:
            if self.remaining <= 0:
                wait = self.reset_at + RESET_MARGIN - now
            elif self.remaining <= self.limit * self.slow_share:
                spacing = (self.reset_at - now) / (self.remaining + 1)
                wait = max(0.0, self.last_sent + spacing - now)
        else:
            self.remaining = None  # the window reopened: unknown until the next answer
        if wait > 0:
            log("throttle", wait_ms=round(wait * 1000), remaining=self.remaining, limit=self.limit)
            if stop.wait(wait):
                raise Stopped()
        if self.remaining is not None:
            self.remaining -= 1
        self.last_sent = time.time()


class Breaker:
    """Opens after `threshold` consecutive failures; while open, a call is
    refused until `retry_at`, when one request probes. A success closes it."""

    def __init__(self, threshold, on_open, on_close):
        self.threshold, self.on_open, self.on_close = threshold, on_open, on_close
        self.failures = 0
        self.retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self):
        return self.failures >= self.threshold

    def allows(self):
        with self._lock:  # 10 ms of slack: a timed wait may wake a hair early
            return not self.is_open or time.time() >= self.retry_at - 0.01

    def hold_until(self, when):
        with self._lock:
            self.retry_at = when

    def record_failure(self):
        with self._lock:
            self.failures += 1
            opened = self.failures == self.threshold
        if opened:
            self.on_open()

    def record_success(self):
        with self._lock:
            was_open, self.failures = self.is_open, 0
        if was_open:
            self.on_close()


class Cache:
    """A small cache of unchanged resources: GETs within `ttl` seconds are
    answered from memory; writes and webhook events replace or drop entries."""

    def __init__(self, ttl=30.0, size=1000):
        self.ttl, self.size = ttl, size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path):
        with self._lock:
            item = self._items.get(path)
            if item is None or item[0] < time.time():
                return None
            return item[1]

    def put(self, path, value):
        with self._lock:
            self._items[path] = (time.time() + self.ttl, value)
            self._items.move_to_end(path)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def forget(self, path):
        with self._lock:
            self._items.pop(path, None)


class _Call:
    def __init__(self, method, path, body):
        self.method, self.path, self.body = method, path, body
        self.done = threading.Event()
        self.result = self.error = None


class Client:
    """ClickUp API v2 over one request queue. Policies are methods: override one."""

    base_delay = 0.5  # ceiling of the first retry's delay, doubled per retry
    max_delay = 4.0
    max_attempts = 8
    breaker_threshold = 2
    auth_pause = 4.0  # nothing is sent for this long after a refused token, doubled while it lasts
    timeout = 10.0

    def __init__(self, base_url, token, token_file=None):
        self.base_url = base_url.rstrip("/")
        self._token, self.token_file = token, token_file
        self.cache = Cache()
        self.budget = RateBudget()
        self.breaker = Breaker(self.breaker_threshold, self._opened, self._closed)
        self.on_unavailable = lambda: None  # set by the application: ClickUp went down...
        self.on_recovered = lambda: None  # ...and came back
        self._queue = []
        self._ready = threading.Condition()
        self._stop = threading.Event()  # for good: the sending thread ends
        self._interrupt = threading.Event()  # shutting down: stop waiting, send nothing queued
        self._auth_hold_until = 0.0
        self._auth_pause = self.auth_pause
        threading.Thread(target=self._run, name="clickup-queue", daemon=True).start()

    # -- the calls -----------------------------------------------------------

    def get(self, path, cached=False):
        if cached:
            hit = self.cache.get(path)
            if hit is not None:
                log("cache_hit", path=path)
                return hit
        doc = self.call("GET", path)
        if cached:
            self.cache.put(path, doc)
        return doc

    def post(self, path, body):
        return self.call("POST", path, body)

    def put(self, path, body):
        return self.call("PUT", path, body)

    def delete(self, path, wait=None):
        return self.call("DELETE", path, wait=wait)

    def call(self, method, path, body=None, wait=None):
        """Queues one request and waits for its JSON answer (at most `wait`
        seconds when given). Raises Unavailable at once while the breaker
        is open: the caller degrades instead of queueing up."""
        if not self.breaker.allows():
            raise Unavailable("circuit open: not calling ClickUp until it recovers")
        call = _Call(method, path, body)
        with self._ready:
            self._queue.append(call)
            self._ready.notify()
        deadline = None if wait is None else time.monotonic() + wait
        while not call.done.wait(0.1):
            if self._interrupt.is_set():
                raise Stopped()
            if deadline is not None and time.monotonic() > deadline:
                raise Unavailable(f"{method} {path}: no answer within {wait}s")
        if call.error is not None:
            raise call.error
        return call.result

    def interrupt(self):
        """Shutdown begins: callers stop waiting, the request in progress
        stops retrying, and nothing queued is sent."""
        self._interrupt.set()
        with self._ready:
            self._ready.notify_all()

    def resume(self):
        """Sends again after `interrupt` (a last request on the way out)."""
        self._interrupt.clear()

    def stop(self):
        self._stop.set()
        self.interrupt()

    # -- the policies ----------------------------------------------------------

    def step(self, attempt):
        """The exponential step: 0.5 s, 1 s, 2 s, 4 s, 4 s, ..."""
        return min(self.max_delay, self.base_delay * 2**attempt)

    def backoff(self, attempt, floor=0.0):
        """Exponential backoff with full jitter: anywhere from `floor` (a
        share of the step) up to the step, drawn evenly, so clients that
        failed together do not retry together. A small floor of its own
        keeps a retry from going out back to back."""
        step = self.step(attempt)
        return max(0.05, random.uniform(step * floor, step))

    def retry_delay(self, attempt, answer):
        """How long to wait before retrying: a 429 names the reset; anything
        else backs off, and an open breaker holds its probe for at least a
        quarter of the step (full jitter alone may draw a string of short
        waits, and the API that just failed should get a moment)."""
        if answer.status == 429:
            reset = answer.header_number("x-ratelimit-reset")
            if reset is not None:
                reset = reset / 1000 if reset > 1e12 else reset
                return max(0.0, reset - time.time()) + RESET_MARGIN
            retry_after = answer.header_number("retry-after")
            if retry_after is not None:
                return retry_after
        return self.backoff(attempt, floor=0.25 if self.breaker.is_open else 0.0)

    def retry_refused_token(self, refusals):
        """After a 401 for the token (`refusals` before it for this request):
        retry once if the token file holds a new token (a rotation), else
        give up and pause every request."""
        return 0.0 if refusals == 0 and self._reload_token() else None

    # -- the queue ---------------------------------------------------------------

    def _run(self):
        while not self._stop.is_set():
            with self._ready:
                while not self._queue and not self._stop.is_set():
                    self._ready.wait()
                if self._stop.is_set():
                    break
                call = self._queue.pop(0)
            try:
                if self._interrupt.is_set():
                    raise Stopped()
                call.result = self._execute(call)
            except Exception as error:  # handed to the caller, who decides
                call.error = error
            call.done.set()

    def _execute(self, call):
        attempt = refusals = 0
        while True:
            if not self.breaker.allows():
                raise Unavailable("circuit open: not calling ClickUp until it recovers")
            probe = attempt == 0 and self.breaker.is_open  # half-open: one try only
            self._wait_for_auth()
            self.budget.wait_turn(self._interrupt)
            answer = self._send(call)
            if answer.status is not None and 200 <= answer.status < 300:
                self.breaker.record_success()
                self._auth_pause = self.auth_pause
                self.budget.update(answer)
                doc = answer.json()
                if doc is None and answer.body:
                    raise ClickUpError(answer.status, None, "the answer is not JSON")
                return doc
            if answer.status == 401 and (answer.ecode in TOKEN_REFUSED or answer.ecode is None):
                delay = self.retry_refused_token(refusals)
                refusals += 1
                if delay is None:
                    self._hold_for_auth()
                    raise TokenRefused(401, answer.ecode, "token refused")
            elif answer.status == 429:
                if attempt + 1 >= self.max_attempts:
                    raise Unavailable(f"{call.method} {call.path}: still rate limited")
                delay = self.retry_delay(attempt, answer)
            elif answer.status is None or answer.status >= 500:
                self.breaker.record_failure()
                if probe or attempt + 1 >= self.max_attempts or not self._retryable(call, answer):
                    cooldown = self.retry_delay(max(attempt, self.breaker.failures - 1), answer)
                    self.breaker.hold_until(time.time() + cooldown)
                    raise Unavailable(f"{call.method} {call.path}: {answer.status or answer.reason}")
                delay = self.retry_delay(attempt, answer)
                self.breaker.hold_until(time.time() + delay)
            else:  # 4xx, or a redirect (never followed: it would carry the token elsewhere)
                self.budget.update(answer)
                doc = answer.json()
                raise ClickUpError(answer.status, answer.ecode, doc.get("err", "") if isinstance(doc, dict) else "")
            attempt += 1
            if delay > 0 and self._interrupt.wait(delay):
                raise Stopped()

    @staticmethod
    def _retryable(call, answer):
        """GET, PUT and DELETE may be repeated; a POST only when ClickUp never
        saw it (no connection, or a gateway's 502/503)."""
        if call.method in ("GET", "PUT", "DELETE"):
            return True
        return answer.reason == "refused" or answer.status in (502, 503)

    def _wait_for_auth(self):
        wait = self._auth_hold_until - time.time()
        if wait > 0 and self._interrupt.wait(wait):
            raise Stopped()

    def _hold_for_auth(self):
        self._auth_hold_until = time.time() + self._auth_pause
        log("auth_paused", pause_s=self._auth_pause, hint="token refused: check or rotate CLICKUP_API_TOKEN")
        self._auth_pause = min(self._auth_pause * 2, 300.0)

    def _reload_token(self):
        if not self.token_file:
            return False
        try:
            with open(self.token_file, encoding="utf-8") as f:
                fresh = f.read().strip()
        except OSError as error:
            log("token_file_unreadable", level="error", reason=error.strerror)
            return False
        if not fresh or fresh == self._token:
            return False
        self._token = fresh
        log("token_reloaded", source="CLICKUP_API_TOKEN_FILE")
        return True

    def _send(self, call):
        data = None if call.body is None else json.dumps(call.body).encode()
        request = urllib.request.Request(self.base_url + call.path, data=data, method=call.method)
        request.add_header("Authorization", self._token)
        request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                answer = Answer(response.status, _headers(response.headers), response.read(MAX_BODY))
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, _headers(error.headers), error.read(MAX_BODY))
        except urllib.error.URLError as error:
            refused = isinstance(error.reason, ConnectionRefusedError)
            answer = Answer(None, reason="refused" if refused else "no answer")
        except OSError:  # reset, timed out, closed without an answer
            answer = Answer(None, reason="no answer")
        log(
            "request",
            method=call.method,
            path=call.path,
            status=answer.status,
            duration_ms=round((time.monotonic() - started) * 1000),
            ecode=answer.ecode,
            error=answer.reason or None,
        )
        return answer

    def _opened(self):
        log("circuit_open", level="warning", reason="consecutive failures: ClickUp looks down")
        self.on_unavailable()

    def _closed(self):
        log("circuit_closed", reason="a request succeeded: ClickUp is back")
        self.on_recovered()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None  # a 3xx comes back as an error: the token is never sent elsewhere


_opener = urllib.request.build_opener(_NoRedirect)  # proxies from the environment still apply


def _headers(message):
    return {k.lower(): v for k, v in message.items()} if message else {}


def from_environment(client_class=Client):
    """A client for CLICKUP_API_URL (default: ClickUp itself) and
    CLICKUP_API_TOKEN, re-reading CLICKUP_API_TOKEN_FILE after a 401."""
    token_file = os.environ.get("CLICKUP_API_TOKEN_FILE") or None
    token = os.environ.get("CLICKUP_API_TOKEN", "").strip()
    if not token and token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError:
            token = ""
    if not token:
        log("no_token", level="error", hint="set CLICKUP_API_TOKEN or CLICKUP_API_TOKEN_FILE")
        sys.exit(2)
    return client_class(os.environ.get("CLICKUP_API_URL") or DEFAULT_API_URL, token, token_file)
