#!/usr/bin/env python3
"""A burst of webhooks over a few campaigns: how many Ads API fetches it costs, and how long it takes to settle.

Sends `--webhooks` signed webhooks spread round-robin over `--campaigns` campaigns as fast as
`--threads` senders can, with AdWatch's budget at `--requests-per-minute` (the Ads API's real
budget is 100). The mock Ads API logs every request, which gives the fetch counts; the service's
SQLite file says when every event is settled (processed). No rules or channels: this is the
processor alone.

Prints webhooks, campaigns, detail fetches, analytics fetches, the most detail fetches any one
campaign had, Ads API requests in all, and the seconds from the first webhook to the last event settled.
"""

import argparse
import collections
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_load as kit  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--webhooks", type=int, default=10_000)
    parser.add_argument("--campaigns", type=int, default=100)
    parser.add_argument("--requests-per-minute", type=int, default=100, help="advertising.requests_per_minute")
    parser.add_argument("--mock-requests-per-minute", type=int, default=1_000_000,
                        help="the mock's own limit (high: AdWatch's budget is what is measured)")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the burst to settle")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="adwatch-burst.")
    mock = server = None
    try:
        mock = kit.Mock(args.bin, directory, args.fixtures, requests_per_minute=args.mock_requests_per_minute)
        campaigns = list(range(400_000, 400_000 + args.campaigns))
        mock.add_campaigns(campaigns)
        mock.control("DELETE", "/requests")
        config = kit.adwatch_config(directory, 0, mock.port, requests_per_minute=args.requests_per_minute)
        server = kit.start_adwatch(args.bin, config, directory)
        sender = kit.Sender(server.wait_listening())

        items = [(f"burst_{i}", kit.campaign_body(campaigns[i % len(campaigns)], i)) for i in range(args.webhooks)]
        started = time.time()
        statuses = kit.send_all(sender, items, args.threads)
        sent = time.time() - started
        accepted = sum(1 for status in statuses.values() if status == 202)
        kit.log(f"{accepted} of {args.webhooks} accepted in {sent:.1f} s ({args.webhooks / sent:.0f}/s)")

        deadline = started + args.timeout
        while True:
            total, unsettled = kit.unsettled_events(directory)
            if (total >= accepted and unsettled == 0) or time.time() > deadline:
                break
            time.sleep(0.1)
        settled = time.time() - started

        requests = mock.requests()
        ours = {str(c) for c in campaigns}
        detail = collections.Counter(r["campaign_id"] for r in requests if r["route"] == "campaign" and r["campaign_id"] in ours)
        analytics = collections.Counter(r["campaign_id"] for r in requests if r["route"] == "analytics" and r["campaign_id"] in ours)
        refused = sum(1 for r in requests if r["status"] != 200)
        print()
        print(f"webhooks                {args.webhooks} ({accepted} accepted, sent in {sent:.1f} s by {args.threads} threads)")
        print(f"campaigns               {args.campaigns}")
        print(f"requests_per_minute     {args.requests_per_minute}")
        print(f"detail fetches          {sum(detail.values())}")
        print(f"analytics fetches       {sum(analytics.values())}")
        print(f"per-campaign max        {max(detail.values(), default=0)} detail, {max(analytics.values(), default=0)} analytics")
        print(f"Ads API requests        {len(requests)} ({refused} not 200)")
        if unsettled == 0 and total >= accepted:
            print(f"seconds to settle       {settled:.1f}  (first webhook → last event processed)")
        else:
            print(f"seconds to settle       NOT within {args.timeout:g} s ({unsettled} of {total} events unsettled)")
        return 0 if unsettled == 0 else 3
    finally:
        kit.cleanup(directory, args.keep, server, mock)


if __name__ == "__main__":
    sys.exit(main())
