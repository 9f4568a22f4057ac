#!/usr/bin/env python3
"""Writes N hash-chained audit records into an AdWatch SQLite file, or re-hashes them (the baseline).

The canonical form is AuditChain's (Sources/AdWatchCore/Audit/AuditChain.swift):
  adwatch-audit-v1\\n<seq>\\n<at_ms>\\n then, for kind, source, campaign, brand, alert and details,
  "<utf8 length>:<value>\\n" or "-\\n" when absent, then the previous hash; SHA-256, lower-case hex.

usage: audit_fixture.py write FILE N   |   audit_fixture.py hash FILE
"""
import hashlib
import json
import sqlite3
import sys
import time

GENESIS = "0" * 64
KINDS = ["webhook.accepted", "fetch.succeeded", "fetch.succeeded", "campaign.refreshed", "alert.firing",
         "notification.queued", "delivery.succeeded", "delivery.dead", "webhook.duplicate", "alert.resolved"]


def field(value):
    return "-\n" if value is None else f"{len(value.encode())}:{value}\n"


def digest(seq, at_ms, kind, source, campaign, brand, alert, details, prev):
    canonical = (f"adwatch-audit-v1\n{seq}\n{at_ms}\n" + field(kind) + field(source) + field(campaign)
                 + field(brand) + field(alert) + field(details) + prev)
    return hashlib.sha256(canonical.encode()).hexdigest()


def write(path, count):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    # Spread over the last 180 days, oldest first: half are past a 90-day retention.
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - 180 * 86_400_000
    step = (now_ms - start_ms) // max(count, 1)
    prev = GENESIS
    rows = []
    for seq in range(1, count + 1):
        kind = KINDS[seq % len(KINDS)]
        campaign = f"c{seq % 1000}"
        alert = f"account-standing/{campaign}" if kind.startswith(("alert", "delivery", "notification")) else None
        details = json.dumps({"attempt": 1, "latency_ms": seq % 97, "path": f"/v1/campaign/{campaign}"},
                             sort_keys=True, separators=(",", ":"))
        at_ms = start_ms + seq * step
        h = digest(seq, at_ms, kind, "symphony", campaign, "246", alert, details, prev)
        rows.append((seq, at_ms, kind, "symphony", campaign, "246", alert, details, prev, h))
        prev = h
        if len(rows) == 50_000:
            db.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    db.executemany("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()


def rehash(path):
    db = sqlite3.connect(path)
    prev = GENESIS
    for row in db.execute("SELECT seq, at_ms, kind, source, campaign, brand, alert, details, prev_hash, hash FROM audit_log ORDER BY seq"):
        if row[8] != prev or digest(*row[:8], prev) != row[9]:
            sys.exit(f"broken at {row[0]}")
        prev = row[9]


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        rehash(sys.argv[2])
