#!/usr/bin/env python3
"""Hostile traffic for AdWatch (standard library only); driven by hostile.sh.

  hostile.py channel --port P --out FILE
      A hostile channel endpoint on 127.0.0.1:P: answers every request with the next of a rotation of
      429/503 with absurd Retry-After values and 3xx redirects, and keeps counts in FILE (JSON).
  hostile.py phase NAME --port P --secret S --out FILE [--seconds N] [--mock M]
      One phase of hostile requests against the server on 127.0.0.1:P; counts go to FILE (JSON).
      Phases: malformed (raw sockets), slowloris (partial requests, bounded), junk (bad bodies and
      signatures), extreme (correctly signed bodies with extreme values), alerting (signed events for
      campaigns the mock Ads API reports as broken, so alerts reach the hostile channel).
  hostile.py report FILE...
      Sums phase files: requests and statuses per phase and in total.

Every loop is bounded in count and time; every socket has a timeout; only 127.0.0.1 is contacted.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import socket
import sys
import threading
import time
import uuid

HOST = "127.0.0.1"


# --- signing (Standard Webhooks: id.timestamp.body, HMAC-SHA256 with the base64 key after whsec_) ---

def sign(secret, msg_id, timestamp, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(secret, body, msg_id=None, timestamp=None):
    msg_id = msg_id or "msg_" + uuid.uuid4().hex
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


# --- counting ---

class Counts:
    def __init__(self, phase):
        self.phase = phase
        self.requests = 0
        self.statuses = {}
        self.lock = threading.Lock()
        self.notes = {}

    def add(self, status):
        with self.lock:
            self.requests += 1
            key = str(status)
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def note(self, key, value):
        with self.lock:
            self.notes[key] = value

    def dump(self, path):
        with self.lock:
            data = {"phase": self.phase, "requests": self.requests, "statuses": self.statuses, "notes": self.notes}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, path)


# --- raw HTTP ---

def raw_exchange(port, payload, timeout=3.0, close_after_send=False):
    """Sends raw bytes; returns the status code, or 'closed' / 'timeout' / 'refused'."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(timeout)
            try:
                s.sendall(payload)
            except OSError:
                return "closed"
            if close_after_send:
                return "sent"
            data = b""
            deadline = time.monotonic() + timeout
            while b"\r\n" not in data and time.monotonic() < deadline:
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    return "timeout"
                except OSError:
                    return "closed"
                if not chunk:
                    break
                data += chunk
            if data.startswith(b"HTTP/"):
                parts = data.split(b" ", 2)
                return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else "garbled"
            return "closed" if not data else "garbled"
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "closed"


def post(conn_box, port, path, body, headers, timeout=10.0):
    """POST over a kept-alive connection (re-opened when the server closed it); the status or an error word."""
    for _ in range(2):
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection(HOST, port, timeout=timeout)
        try:
            conn_box[0].request("POST", path, body=body, headers=headers)
            response = conn_box[0].getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn_box[0].close()
                conn_box[0] = None
            return response.status
        except (http.client.HTTPException, OSError):
            try:
                conn_box[0].close()
            except Exception:
                pass
            conn_box[0] = None
    return "error"


# --- phases ---

def phase_malformed(args, counts):
    path = "/webhooks/symphony"
    big = b"a" * 100_000
    payloads = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"\x00\xff\xfe\x01" * 256 + b"\r\n\r\n",
        b"GET /" + big + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(5000)) + b"\r\n",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9223372036854775807\r\n\r\n{}",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\xff\xfe: \xff\r\n\r\n",
        b"GET /healthz HTTP/1.0\r\n\r\n",
        b"GET http://evil.example/healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /%zz%00%ff HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /webhooks/" + b"n" * 60_000 + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n",
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":",
        b"\r\n" * 10_000,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    ]
    deadline = time.monotonic() + args.seconds
    rounds = 0
    while rounds < 4 and time.monotonic() < deadline:
        for payload in payloads:
            counts.add(raw_exchange(args.port, payload, timeout=3.0))
        # Requests cut off half-way, then closed.
        for payload in payloads[:8]:
            counts.add(raw_exchange(args.port, payload[: max(1, len(payload) // 2)], close_after_send=True))
        rounds += 1


def phase_slowloris(args, counts):
    """Opens connections that send a request a byte at a time; checks /healthz still answers meanwhile."""
    n = 64
    sockets = []
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, args.port), timeout=2)
            s.sendall(b"POST /webhooks/symphony HTTP/1.1\r\nHost: x\r\n")
            sockets.append(s)
        except OSError:
            counts.add("refused")
    counts.note("slow_connections_opened", len(sockets))
    deadline = time.monotonic() + args.seconds
    closed_by_server = 0
    health_ms = []
    while time.monotonic() < deadline and sockets:
        alive = []
        for s in sockets:
            try:
                s.sendall(b"X")
                alive.append(s)
            except OSError:
                closed_by_server += 1
                s.close()
        sockets = alive
        started = time.monotonic()
        status = raw_exchange(args.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
        counts.add(status)
        health_ms.append(round((time.monotonic() - started) * 1000, 1))
        time.sleep(1)
    for s in sockets:
        s.close()
    counts.note("slow_connections_closed_by_server", closed_by_server)
    counts.note("healthz_ms_max_during_slowloris", max(health_ms) if health_ms else None)


def phase_junk(args, counts):
    box = [None]
    rng = random.Random(11)
    secret = args.secret
    end = time.monotonic() + args.seconds
    i = 0
    while i < 600 and time.monotonic() < end:
        i += 1
        kind = i % 8
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 512)))
        if kind == 0:  # random bytes, no signature
            status = post(box, args.port, "/webhooks/symphony", body, {"Content-Type": "application/json"})
        elif kind == 1:  # random bytes, correctly signed: parse error 400
            status = post(box, args.port, "/webhooks/symphony", body, signed_headers(secret, body))
        elif kind == 2:  # JSON, wrong signature
            body = b'{"event":"campaign.updated","id":5195}'
            headers = signed_headers(secret, body)
            headers["webhook-signature"] = "v1," + base64.b64encode(os.urandom(32)).decode()
            status = post(box, args.port, "/webhooks/symphony", body, headers)
        elif kind == 3:  # signature header garbage
            headers = signed_headers(secret, body)
            headers["webhook-signature"] = "v1," + "\u00ff" * 50 + " v2,,,, v1"
            status = post(box, args.port, "/webhooks/symphony", body, {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()})
        elif kind == 4:  # timestamp header extremes, valid MAC over the extreme value
            ts = rng.choice(["1e300", "-1", "9223372036854775808", "99999999999999999999", "1700000000000000000", "nan", "", "0x10"])
            body = b'{"event":"campaign.updated","id":5195}'
            status = post(box, args.port, "/webhooks/symphony", body, signed_headers(secret, body, timestamp=ts))
        elif kind == 5:  # wrong content type
            status = post(box, args.port, "/webhooks/symphony", b"{}", {"Content-Type": "text/plain"})
        elif kind == 6:  # unknown sources, some with long names
            name = "x" * rng.choice([1, 100, 4000])
            status = post(box, args.port, "/webhooks/" + name, b"{}", {"Content-Type": "application/json"})
        else:  # over the size limit
            status = post(box, args.port, "/webhooks/symphony", b"{" + b" " * 300_000 + b"}", {"Content-Type": "application/json"})
        counts.add(status)


def extreme_bodies():
    numbers = ["1e300", "-1e300", "1e999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
               "18446744073709551616", "1700000000000000000", "1700000000000000", "0", "-1", "4.9e-324",
               "123456789012345678901234567890"]
    strings = ['"9999-12-31T23:59:59Z"', '"0000-01-01T00:00:00Z"', '"\\u0000"', '"\\ud800"', '"NaN"', '"1e300"']
    bodies = []
    for value in numbers + strings:
        bodies.append('{"event":"campaign.updated","id":5195,"brand_id":246,"timestamp":%s}' % value)
        bodies.append('{"event":"campaign.updated","timestamp":"2025-01-01T00:00:00Z","data":{"id":%s,"brand_id":%s,"updatedAt":%s}}'
                      % (value, value, value))
        bodies.append('{"event":%s,"id":%s,"brand_id":%s,"status":%s,"occurred_at":%s}' % (value, value, value, value, value))
    bodies.append('{"event":"campaign.updated","id":5195,"x":' + "[" * 100_000 + "]" * 100_000 + "}")
    bodies.append('{"event":"campaign.updated","id":5195,"x":' + '{"a":' * 20_000 + "1" + "}" * 20_000 + "}")
    bodies.append('{"event":"campaign.updated","id":"' + "9" * 200_000 + '"}')
    bodies.append('{"event":"' + "e" * 200_000 + '","id":5195}')
    bodies.append('{"event":"campaign.updated","id":"../../_control/faults?x=1#","brand_id":"\\r\\nX-Injected: 1"}')
    bodies.append('{"event":"campaign.updated","id":5195,"k":"' + "\\u00e9" * 30_000 + '"}')
    bodies.append("{" + ",".join('"k%d":%d' % (i, i) for i in range(20_000)) + "}")
    return [b.encode() for b in bodies]


def phase_extreme(args, counts):
    box = [None]
    bodies = extreme_bodies()
    end = time.monotonic() + args.seconds
    for round_ in range(3):
        for body in bodies:
            if time.monotonic() > end:
                return
            counts.add(post(box, args.port, "/webhooks/symphony", body, signed_headers(args.secret, body)))


def phase_alerting(args, counts):
    """Campaigns whose ad account the mock reports as broken: their alerts go to the hostile channel."""
    control = http.client.HTTPConnection(HOST, args.mock, timeout=10)
    campaigns = [5195] + list(range(6000, 6000 + args.campaigns))
    for campaign in campaigns[1:]:
        control.request("PUT", f"/_control/campaigns/{campaign}", body=json.dumps({"from": 5195}), headers={"Content-Type": "application/json"})
        control.getresponse().read()
    for campaign in campaigns:
        control.request("POST", f"/_control/campaigns/{campaign}", body=json.dumps({"account_status": 3, "ad_account_good": False}),
                        headers={"Content-Type": "application/json"})
        control.getresponse().read()
    counts.note("alerting_campaigns", len(campaigns))
    box = [None]
    for campaign in campaigns:
        body = json.dumps({"event": "campaign.updated", "id": campaign, "brand_id": 246, "timestamp": int(time.time())}).encode()
        counts.add(post(box, args.port, "/webhooks/symphony", body, signed_headers(args.secret, body)))


PHASES = {"malformed": phase_malformed, "slowloris": phase_slowloris, "junk": phase_junk, "extreme": phase_extreme,
          "alerting": phase_alerting}


# --- the hostile channel endpoint ---

ROTATION = [
    (429, {"Retry-After": "inf"}),
    (503, {"Retry-After": "1e300"}),
    (429, {"Retry-After": "-5"}),
    (503, {"Retry-After": "99999999999999999999"}),
    (429, {"Retry-After": "nan"}),
    (503, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
    (307, {"Location": "/redirected"}),
    (301, {"Location": "/redirected"}),
    (429, {"Retry-After": "1" + "0" * 400}),
    (503, {"Retry-After": "\u00ff\u00fe garbage"}),
]


def run_channel(args):
    counts = Counts("channel")
    index = [0]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def handle_one(self):
            length = int(self.headers.get("Content-Length") or 0)
            if 0 < length <= 1 << 20:
                self.rfile.read(length)
            with lock:
                status, headers = ROTATION[index[0] % len(ROTATION)]
                index[0] += 1
            key = "redirected" if self.path.startswith("/redirected") else f"{status} {list(headers.values())[0][:24]}"
            counts.add(key)
            self.send_response(status)
            for name, value in headers.items():
                if name == "Location":
                    value = f"http://{HOST}:{args.port}{value}"
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            counts.dump(args.out)

        do_POST = do_GET = do_PUT = handle_one

    server = http.server.ThreadingHTTPServer((HOST, args.port), Handler)
    counts.dump(args.out)
    server.serve_forever()


def report(files):
    total = Counts("total")
    rows = []
    for path in files:
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        rows.append(data)
        if data["phase"] == "channel":
            continue
        for status, n in data["statuses"].items():
            for _ in range(n):
                total.add(status)
    for data in rows:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(data["statuses"].items()))
        notes = "".join(f"; {k}={v}" for k, v in sorted(data["notes"].items()))
        print(f"  {data['phase']:<10} {data['requests']:>6} requests  [{statuses}]{notes}")
    if any(data["phase"] != "channel" for data in rows):
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(total.statuses.items()))
        print(f"  {'total':<10} {total.requests:>6} requests  [{statuses}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ch = sub.add_parser("channel")
    ch.add_argument("--port", type=int, required=True)
    ch.add_argument("--out", required=True)
    ph = sub.add_parser("phase")
    ph.add_argument("name", choices=sorted(PHASES))
    ph.add_argument("--port", type=int, required=True)
    ph.add_argument("--secret", required=True)
    ph.add_argument("--out", required=True)
    ph.add_argument("--seconds", type=float, default=30)
    ph.add_argument("--mock", type=int, default=0)
    ph.add_argument("--campaigns", type=int, default=20)
    rp = sub.add_parser("report")
    rp.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.command == "channel":
        run_channel(args)
    elif args.command == "phase":
        counts = Counts(args.name)
        try:
            PHASES[args.name](args, counts)
        finally:
            counts.dump(args.out)
    else:
        report(args.files)


if __name__ == "__main__":
    sys.exit(main())
