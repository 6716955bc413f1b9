"""Ship prediction records to driftwatch from a Python serving pod.

Standard library only. log() never raises and never waits for the network:
it serialises the record and appends it to a bounded buffer; one background
thread sends gzipped NDJSON batches to POST /v1/predictions, one request at a
time, retrying 408, 429, 5xx and network errors with exponential backoff and
full jitter, never sooner than Retry-After. When the buffer is full the
oldest record is dropped and counted.

A batch answered 500 (or another 5xx without Retry-After, except 502, 503,
504: those mean driftwatch or its database is down, and only ever make the
batch wait) `isolate_after_failures` times in a row is split in halves, and a
failing half again, to find the record(s) driftwatch keeps failing on. A single
record failing so is set aside: counted in dropped.poisoned, logged once on the
"driftwatch_shipper" logger, never resent.
"""

import collections
import gzip
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
import uuid

_log = logging.getLogger("driftwatch_shipper")
_UNAVAILABLE = (502, 503, 504)


class DriftwatchShipper:
    def __init__(self, url, token=None, batch_size=500, flush_interval_s=1.0,
                 max_buffered=10000, retry_base_s=0.25, retry_max_s=30.0,
                 timeout_s=10.0, isolate_after_failures=3):
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
        self._isolate_after = max(1, int(isolate_after_failures))
        # (seq, json line); records resolve oldest first, so a flush waits
        # until the oldest pending seq is past the last one logged before it.
        self._buffer = collections.deque()
        self._in_flight = []
        self._next_seq = 0
        self._id = uuid.uuid4().hex  # names this shipper's batches in their keys
        self._cond = threading.Condition()
        self._closing = False
        self._stopped = False
        self._stats = {"sent": 0, "duplicates": 0, "retries": 0,
                       "dropped": {"overflow": 0, "invalid": 0, "rejected": 0,
                                   "poisoned": 0},
                       "last_error": None}
        self._thread = threading.Thread(target=self._run, name="driftwatch-shipper",
                                        daemon=True)
        self._thread.start()

    def log(self, record):
        """Queue one prediction record (driftwatch format v1). Never raises.

        Optional "tags" (a dict of str to str, at most 16) are sent as they are."""
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

    def _set_aside(self, entry):
        """Give up a record driftwatch keeps failing on alone (under the lock).
        Returns what to log, outside the lock."""
        self._stats["dropped"]["poisoned"] += 1
        failure = self._stats["last_error"]
        self._stats["last_error"] = "record set aside after %d failures: %s" % (
            self._isolate_after, failure)
        return entry[1], failure

    @staticmethod
    def _log_set_aside(line, failure):
        try:
            record = json.loads(line)
            _log.warning("driftwatch kept failing on one record; set it aside: "
                         "model=%s request_id=%s error=%s",
                         record.get("model"), record.get("request_id"), failure)
        except Exception:  # a broken log handler must not stop the thread
            pass

    def _run(self):
        attempt = 0
        suspect_failures = 0  # consecutive 500-like failures of the current batch
        # While isolating: the last seq of each segment still to send, innermost last.
        segment_ends = []
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
                while segment_ends and segment_ends[-1] < self._buffer[0][0]:
                    segment_ends.pop()
                through = segment_ends[-1] if segment_ends else None
                batch = []
                while (self._buffer and len(batch) < self._batch_size
                       and (through is None or self._buffer[0][0] <= through)):
                    batch.append(self._buffer.popleft())
                self._in_flight = batch
            try:
                retry_after_s, suspect = self._send(batch)
            except Exception as error:  # keep the thread alive whatever happens
                self._stats["last_error"] = "send: %s" % error
                retry_after_s, suspect = 0.0, False
            busy = True
            set_aside = None
            with self._cond:
                self._in_flight = []
                suspect_failures = suspect_failures + 1 if suspect else 0
                if retry_after_s is not None and suspect_failures >= self._isolate_after:
                    suspect_failures = 0
                    attempt = 0
                    if len(batch) == 1:
                        set_aside = self._set_aside(batch[0])
                        retry_after_s = None
                    else:
                        # Send the first half, then the rest, each split again if it fails.
                        if not segment_ends or batch[-1][0] < segment_ends[-1]:
                            segment_ends.append(batch[-1][0])
                        segment_ends.append(batch[(len(batch) + 1) // 2 - 1][0])
                elif retry_after_s is not None and (not segment_ends
                                                    or batch[-1][0] < segment_ends[-1]):
                    # The retry holds exactly these records: same batch, same key.
                    segment_ends.append(batch[-1][0])
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
            if set_aside is not None:
                self._log_set_aside(*set_aside)

    def _send(self, batch):
        """POST one batch. Returns (None, False) when it is resolved (stored or
        given up), else (the Retry-After seconds, 0 when none, before a retry;
        whether the failure is a 500-like one that may be the records' fault)."""
        body = gzip.compress(("\n".join(line for _, line in batch) + "\n").encode("utf-8"))
        # One key per batch (this shipper's id, first and last seq), reused by
        # its retries: driftwatch stores the batch once, sampled rows included.
        headers = dict(self._headers)
        headers["Idempotency-Key"] = "dw-py-%s-%d-%d" % (self._id, batch[0][0], batch[-1][0])
        request = urllib.request.Request(self._endpoint, data=body, headers=headers,
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
                    header = error.headers.get("Retry-After")
                    suspect = error.code >= 500 and error.code not in _UNAVAILABLE and not header
                    return _retry_after_s(header), suspect
                # 400 validation_failed, 401, 403, 413 …: resending cannot help.
                self._stats["dropped"]["rejected"] += len(batch)
                return None, False
        except (OSError, ValueError) as error:  # refused, reset, timeout, DNS
            with self._cond:
                self._stats["last_error"] = "POST %s: %s" % (self._endpoint, error)
            return 0.0, False
        rejected = answer.get("rejected") or []
        # rejected_count counts them all when `rejected` lists only the first ones.
        count = answer.get("rejected_count")
        if type(count) is not int or count < len(rejected):
            count = len(rejected)
        count = min(count, len(batch))
        with self._cond:
            self._stats["sent"] += len(batch) - count
            self._stats["duplicates"] += answer.get("duplicates", 0)
            self._stats["dropped"]["rejected"] += count
            if count:
                first = rejected[0] if rejected else {}
                self._stats["last_error"] = "%d record(s) rejected: index %s %s" % (
                    count, first.get("index"), first.get("code"))
        return None, False


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
