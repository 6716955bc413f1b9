"""Ship prediction records to driftwatch from a Python serving pod.

Standard library only. log() never raises and never waits for the network:
it serialises the record and appends it to a bounded buffer; one background
thread sends gzipped NDJSON batches to POST /v1/predictions, one request at a
time, retrying 408, 429, 5xx and network errors with exponential backoff and
full jitter, never sooner than Retry-After. When the buffer is full the
oldest record is dropped and counted.
"""

import collections
import gzip
import json
import random
import threading
import time
import urllib.error
import urllib.request


class DriftwatchShipper:
    def __init__(self, url, token=None, batch_size=500, flush_interval_s=1.0,
                 max_buffered=10000, retry_base_s=0.25, retry_max_s=30.0,
                 timeout_s=10.0):
        self._endpoint = url.rstrip("/") + "/v1/predictions"
        self._headers = {"Content-Type": "application/x-ndjson",
                         "Content-Encoding": "gzip"}
        if token:
            self._headers["Authorization"] = "Bearer " + token
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._max_buffered = max_buffered
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._timeout_s = timeout_s
        # (seq, json line); records resolve oldest first, so a flush waits
        # until the oldest pending seq is past the last one logged before it.
        self._buffer = collections.deque()
        self._in_flight = []
        self._next_seq = 0
        self._cond = threading.Condition()
        self._closing = False
        self._stopped = False
        self._stats = {"sent": 0, "duplicates": 0, "retries": 0,
                       "dropped": {"overflow": 0, "invalid": 0, "rejected": 0},
                       "last_error": None}
        self._thread = threading.Thread(target=self._run, name="driftwatch-shipper",
                                        daemon=True)
        self._thread.start()

    def log(self, record):
        """Queue one prediction record (driftwatch format v1). Never raises."""
        try:
            if not isinstance(record, dict):
                return self._invalid("a record must be a dict, got " + type(record).__name__)
            try:
                # NaN/Infinity are not JSON: send None for a missing value.
                line = json.dumps(record, allow_nan=False, separators=(",", ":"))
            except (TypeError, ValueError) as error:
                return self._invalid("record is not serialisable to JSON: %s" % error)
            with self._cond:
                if self._closing:
                    return self._invalid("called after close()")
                if len(self._buffer) >= self._max_buffered:
                    self._buffer.popleft()
                    self._stats["dropped"]["overflow"] += 1
                self._buffer.append((self._next_seq, line))
                self._next_seq += 1
                if len(self._buffer) >= self._batch_size:
                    self._cond.notify_all()
        except Exception as error:  # the serving path must never see an error
            self._stats["last_error"] = "log(): %s" % error

    def flush(self, timeout=None):
        """Wait until every record logged before the call is sent or given up.
        Returns False if `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            last_seq = self._next_seq - 1
            self._cond.notify_all()
            while self._oldest_pending_seq() <= last_seq and not self._stopped:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return self._oldest_pending_seq() > last_seq

    def close(self, timeout=5.0):
        """Stop accepting records, send what is buffered for at most `timeout`
        seconds, stop the thread. Returns the final stats."""
        with self._cond:
            self._closing = True
        self.flush(timeout)
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(self._timeout_s + 1)
        return self.stats()

    def stats(self):
        with self._cond:
            stats = dict(self._stats, dropped=dict(self._stats["dropped"]))
            stats["buffered"] = len(self._buffer) + len(self._in_flight)
            return stats

    def _invalid(self, reason):
        with self._cond:
            self._stats["dropped"]["invalid"] += 1
            self._stats["last_error"] = "log(): " + reason

    def _oldest_pending_seq(self):
        if self._in_flight:
            return self._in_flight[0][0]
        if self._buffer:
            return self._buffer[0][0]
        return self._next_seq

    def _run(self):
        attempt = 0
        busy = False  # the last pass sent a batch: keep draining without waiting
        while True:
            with self._cond:
                if not self._stopped and not busy and len(self._buffer) < self._batch_size:
                    self._cond.wait(self._flush_interval_s)
                if self._stopped:
                    return
                if not self._buffer:
                    busy = False
                    continue
                batch = [self._buffer.popleft()
                         for _ in range(min(self._batch_size, len(self._buffer)))]
                self._in_flight = batch
            try:
                retry_after_s = self._send(batch)
            except Exception as error:  # keep the thread alive whatever happens
                self._stats["last_error"] = "send: %s" % error
                retry_after_s = 0.0
            busy = True
            with self._cond:
                self._in_flight = []
                if retry_after_s is None:
                    attempt = 0
                else:
                    # Back to the front; if that overfills, its oldest go.
                    excess = max(0, len(self._buffer) + len(batch) - self._max_buffered)
                    self._stats["dropped"]["overflow"] += excess
                    self._buffer.extendleft(reversed(batch[excess:]))
                    self._stats["retries"] += 1
                    # Full jitter (a random share of the exponential ceiling),
                    # never sooner than the server's Retry-After.
                    ceiling = min(self._retry_max_s, self._retry_base_s * 2 ** min(attempt, 30))
                    deadline = time.monotonic() + max(retry_after_s, random.random() * ceiling)
                    attempt += 1
                self._cond.notify_all()
                while retry_after_s is not None and not self._stopped:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)

    def _send(self, batch):
        """POST one batch. Returns None when it is resolved (stored or given
        up), else the Retry-After seconds (0 when none) before a retry."""
        body = gzip.compress(("\n".join(line for _, line in batch) + "\n").encode("utf-8"))
        request = urllib.request.Request(self._endpoint, data=body, headers=self._headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                answer = _json_or_empty(response.read())
        except urllib.error.HTTPError as error:
            answer = _json_or_empty(error.read())
            detail = answer.get("error") or {}
            with self._cond:
                self._stats["last_error"] = "HTTP %d %s: %s" % (
                    error.code, detail.get("code", ""), detail.get("message", ""))
                if error.code in (408, 429) or error.code >= 500:
                    return _retry_after_s(error.headers.get("Retry-After"))
                # 400 validation_failed, 401, 403, 413 …: resending cannot help.
                self._stats["dropped"]["rejected"] += len(batch)
                return None
        except (OSError, ValueError) as error:  # refused, reset, timeout, DNS
            with self._cond:
                self._stats["last_error"] = "POST %s: %s" % (self._endpoint, error)
            return 0.0
        rejected = answer.get("rejected") or []
        with self._cond:
            self._stats["sent"] += len(batch) - len(rejected)
            self._stats["duplicates"] += answer.get("duplicates", 0)
            self._stats["dropped"]["rejected"] += len(rejected)
            if rejected:
                self._stats["last_error"] = "%d record(s) rejected: index %s %s" % (
                    len(rejected), rejected[0].get("index"), rejected[0].get("code"))
        return None


def _json_or_empty(raw):
    try:
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    except ValueError:
        return {}


def _retry_after_s(header):
    """Retry-After in seconds (delay-seconds form; an HTTP-date is read too)."""
    if not header:
        return 0.0
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        from email.utils import parsedate_to_datetime
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return 0.0
