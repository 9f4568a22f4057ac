#!/usr/bin/env python3
"""Write pre-signed Standard Webhooks requests for the wrk load test.

Each output line is one request, four tab-separated fields:

    <webhook-id> TAB <webhook-timestamp> TAB <webhook-signature> TAB <body>

Bodies are compact JSON (no tabs or newlines), 1-2 KiB each, shaped like a
flat `campaign.updated` webhook (samples/payloads/campaign.updated.json) with a
varying campaign id, spend and a padding field. Every request has a unique
webhook-id (so the receiver's dedup never short-circuits it) and the current
Unix time as its timestamp, which is why the file must be regenerated for
each run: the receiver only accepts timestamps within its tolerance (5m).

Signing (https://www.standardwebhooks.com/):
    key       = base64decode(secret without the "whsec_" prefix)
    signature = "v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))

Usage: make_requests.py [--count N] [--out FILE] [--secret whsec_...] [--seed S]
"""

import argparse
import base64
import hashlib
import hmac
import json
import random
import sys
import time

DEFAULT_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MIN_BODY = 1024
MAX_BODY = 2047


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret."""
    if not secret.startswith("whsec_"):
        raise ValueError("expected a whsec_ secret")
    return base64.b64decode(secret[len("whsec_"):])


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value (one v1 signature)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def self_test() -> None:
    """The Standard Webhooks reference vector; fail loudly if signing is wrong."""
    got = sign(
        secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    want = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert got == want, f"signature self-test failed: got {got}, want {want}"


def iso(ts: float) -> str:
    """ISO 8601 UTC with milliseconds, as the Ads API writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def make_body(rng: random.Random, now: float) -> bytes:
    """A flat campaign.updated body between MIN_BODY and MAX_BODY bytes."""
    campaign_id = rng.randint(5000, 14999)  # 10k campaigns: bursts per campaign, not one hot key
    budget = rng.choice((550, 1000, 2500, 5000, 57000))
    spend = rng.randint(0, budget * 100) / 100  # spend in cents, rendered as a decimal string
    doc = {
        "event": "campaign.updated",
        "id": campaign_id,
        "brand_id": 246,
        "provider": "facebook",
        "type": "record_streams",
        "status": "ACTIVE",
        "campaign_metadata": {
            "budget": budget,
            "currency": "MXN",
            "spend": f"{spend:.2f}",
            "startDate": "2025-05-20T05:00:00.000Z",
            "endDate": "2025-05-20T15:00:00.000Z",
            "campaign_type": "record_streams",
        },
        "createdAt": "2025-02-20T20:14:54.658Z",
        "updatedAt": iso(now),
        "padding": "",
    }
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
    # Fill `padding` (plain letters: no escaping, so length adds up exactly).
    target = rng.randint(MIN_BODY, MAX_BODY)
    pad = max(0, target - len(body))
    body = body.replace('"padding":""', '"padding":"' + ("x" * pad) + '"', 1)
    return body.encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=400_000, help="number of requests (default 400000)")
    parser.add_argument("--out", default="requests.tsv", help="output file (default requests.tsv)")
    parser.add_argument("--secret", default=DEFAULT_SECRET, help="whsec_ secret of the source")
    parser.add_argument("--seed", type=int, default=None, help="random seed for bodies (ids stay unique)")
    args = parser.parse_args()

    self_test()
    key = secret_key(args.secret)
    rng = random.Random(args.seed)
    # A per-run prefix keeps ids unique across runs too, should a store be reused.
    run = "%08x" % random.SystemRandom().getrandbits(32)

    total_body = 0
    started = time.time()
    with open(args.out, "w", encoding="ascii", buffering=1 << 20) as out:
        for n in range(args.count):
            now = time.time()
            ts = int(now)
            msg_id = f"msg_load{run}{n:09d}"
            body = make_body(rng, now)
            assert b"\t" not in body and b"\n" not in body
            out.write(f"{msg_id}\t{ts}\t{sign(key, msg_id, ts, body)}\t{body.decode()}\n")
            total_body += len(body)

    elapsed = time.time() - started
    avg = total_body / args.count if args.count else 0
    print(
        f"make_requests: self-test ok; wrote {args.count} requests to {args.out} "
        f"(avg body {avg:.0f} B) in {elapsed:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
