"""Shared parts of the pipeline load scripts (recovery.py, latency.py, burst.py).

Everything runs on loopback: the release `adwatch serve`, `adwatch mock-api` as the Ads API, and
receivers written here with the Python standard library. Processes are started in their own temp
directory and always stopped (SIGKILL after a grace period) when the script ends.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The Standard Webhooks test secret and the mock's default API key: loopback only.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
API_KEY = "mock-api-key"
FIXTURE_CAMPAIGN = 5195
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def log(*parts):
    print("load:", *parts, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(msg_id, timestamp, body):
    """The `webhook-signature` value (Standard Webhooks, one v1 signature)."""
    key = base64.b64decode(SECRET[len("whsec_"):])
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def campaign_body(campaign_id, seq):
    """A flat campaign.updated webhook for one campaign; `seq` keeps bodies distinct."""
    return json.dumps({
        "event": "campaign.updated", "provider": "facebook", "type": "record_streams", "id": campaign_id,
        "brand_id": 246, "status": "ACTIVE", "seq": seq,
    }, separators=(",", ":")).encode()


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


class Process:
    """A child process with its output in a file; `port` is read from its "listening on" line."""

    def __init__(self, args, log_path, name):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "ab")
        self.started = time.time()
        self.popen = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_listening(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up (status {self.popen.returncode}); see {self.log_path}")
            with open(self.log_path, "rb") as f:
                found = LISTENING.findall(f.read().decode(errors="replace"))
            if found:
                return int(found[-1])
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not start within {timeout} s; see {self.log_path}")

    def kill(self):
        """SIGKILL: no graceful shutdown."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, grace=30):
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_file.close()

    def count_in_log(self, text):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace").count(text)


class Mock:
    """`adwatch mock-api` and its control API."""

    def __init__(self, binary, directory, fixtures, requests_per_minute):
        self.process = Process(
            [binary, "mock-api", "--port", "0", "--fixtures", fixtures, "--requests-per-minute", str(requests_per_minute)],
            os.path.join(directory, "mock.log"), "mock-api",
        )
        self.port = self.process.wait_listening()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def control(self, method, path, document=None):
        body = json.dumps(document).encode() if document is not None else None
        self.connection.request(method, "/_control" + path, body=body, headers={"Content-Type": "application/json"})
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"mock control {method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None

    def add_campaigns(self, ids, **state):
        """Clones the fixture campaign under each id and applies `state` (e.g. account_status=3)."""
        for campaign_id in ids:
            self.control("PUT", f"/campaigns/{campaign_id}", {"from": FIXTURE_CAMPAIGN})
            if state:
                self.control("POST", f"/campaigns/{campaign_id}", state)

    def requests(self):
        return self.control("GET", "/requests")

    def stop(self):
        self.connection.close()
        self.process.stop()


class Sender:
    """Posts signed webhooks over one keep-alive connection per thread."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def post(self, msg_id, body, timeout=30):
        """The status, or None when the server could not be reached (refused, reset, closed)."""
        connection = getattr(self.local, "connection", None)
        if connection is None or connection.port != self.port:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self.local.connection = connection
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(msg_id, timestamp, body),
        }
        try:
            connection.request("POST", "/webhooks/symphony", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.connection = None
            return None


def send_all(sender, items, threads, on_reply=None):
    """Sends (msg_id, body) items from `threads` threads, each item once; returns the statuses by id."""
    statuses = {}
    lock = threading.Lock()
    queue = list(reversed(items))

    def work():
        while True:
            with lock:
                if not queue:
                    return
                msg_id, body = queue.pop()
            status = sender.post(msg_id, body)
            with lock:
                statuses[msg_id] = status
            if on_reply:
                on_reply(msg_id, status)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


class Receiver:
    """A loopback HTTP server that records every POST with its arrival time (and answers 200 after `delay`)."""

    def __init__(self, delay=0.0):
        self.records = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.records.append({"at": arrived, "path": self.path, "headers": dict(self.headers), "body": body})
                if delay:
                    time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a sender killed mid-request resets its connection: expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.records)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def adwatch_config(directory, port, mock_port, requests_per_minute, extra=""):
    """A config on loopback: one standard-webhooks source, the mock as the Ads API, and `extra` YAML."""
    path = os.path.join(directory, "adwatch.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  host: 127.0.0.1
  port: {port}
store:
  sqlite: {os.path.join(directory, "adwatch.sqlite")}
sources:
  - name: symphony
    scheme: standard-webhooks
    secrets: ["{SECRET}"]
    tolerance: 5m
advertising:
  base_url: http://127.0.0.1:{mock_port}
  api_key: {API_KEY}
  requests_per_minute: {requests_per_minute}
logging:
  level: notice
{extra}""")
    return path


def start_adwatch(binary, config, directory, name="adwatch"):
    process = Process([binary, "serve", "--config", config], os.path.join(directory, f"{name}.log"), name)
    process.wait_listening()
    return process


def audit_details(directory, kind):
    """The details (as dicts) of every audit record of `kind` in the service's SQLite file."""
    connection = sqlite3.connect(f"file:{os.path.join(directory, 'adwatch.sqlite')}?mode=ro", uri=True, timeout=10)
    try:
        return [json.loads(row[0]) for row in connection.execute("SELECT details FROM audit_log WHERE kind = ? ORDER BY seq", (kind,))]
    finally:
        connection.close()


def unsettled_events(directory):
    """(events stored, events not yet settled) in the service's SQLite file (read while it runs: WAL)."""
    connection = sqlite3.connect(f"file:{os.path.join(directory, 'adwatch.sqlite')}?mode=ro", uri=True, timeout=10)
    try:
        total, open_ = connection.execute(
            "SELECT COUNT(*), COALESCE(SUM(state IN ('pending', 'processing')), 0) FROM events"
        ).fetchone()
        return total, open_
    finally:
        connection.close()


def cleanup(directory, keep, *services):
    """Stops every service that was started (None for one that was not) and removes the run's
    directory unless --keep was given: the `finally:` of every pipeline script."""
    for service in services:
        if service:
            service.stop()
    if keep:
        log(f"kept {directory}")
    else:
        shutil.rmtree(directory, ignore_errors=True)
