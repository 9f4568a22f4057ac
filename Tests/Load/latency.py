#!/usr/bin/env python3
"""Latency from a webhook's 202 to the Slack request it causes, with the default settings.

Each webhook is for its own campaign, whose ad account the mock reports unsettled, so each causes
one Slack message (the default route: `group_wait` 0s). Slack takes one message per second per
webhook URL and AdWatch paces itself to that, so the webhooks are spaced `--spacing` seconds apart
(default 1.25 s): pacing is not what is measured. The spacing also keeps the default Ads API budget
(100 requests/min, 2 per campaign) from delaying a fetch. The fake Slack timestamps each request as
it arrives; the sender timestamps each 202 as it arrives; both clocks are this machine's.

Prints n, p50, p99 and max in milliseconds.
"""

import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_load as kit  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--spacing", type=float, default=1.25, help="seconds between webhooks")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="adwatch-latency.")
    mock = slack = server = None
    try:
        mock = kit.Mock(args.bin, directory, args.fixtures, requests_per_minute=100)
        campaigns = list(range(300_000, 300_000 + args.count))
        mock.add_campaigns(campaigns, account_status=3, ad_account_good=False)
        slack = kit.Receiver()
        # Defaults everywhere else: processor.poll_interval 1s, delivery.tick 1s, group_wait 0s,
        # advertising.requests_per_minute 100.
        config = kit.adwatch_config(directory, 0, mock.port, requests_per_minute=100, extra=f"""rules:
  - name: account-standing
    kind: ad_account_standing
    severity: critical
channels:
  - name: ops-slack
    kind: slack
    webhook_url: http://127.0.0.1:{slack.port}/services/T000/B000/XXXX
routes:
  - channels: [ops-slack]
""")
        server = kit.start_adwatch(args.bin, config, directory)
        sender = kit.Sender(server.wait_listening())
        accepted = {}
        for index, campaign in enumerate(campaigns):
            status = sender.post(f"lat_{index}", kit.campaign_body(campaign, index))
            accepted[str(campaign)] = time.time()
            if status != 202:
                raise RuntimeError(f"webhook {index} answered {status}")
            time.sleep(args.spacing)

        deadline = time.time() + 30
        arrivals = {}
        while time.time() < deadline:
            arrivals = {}
            for record in slack.snapshot():
                text = record["body"].decode(errors="replace")
                for campaign in re.findall(r"Campaign (\d+)\b", text):
                    if campaign in accepted:
                        arrivals.setdefault(campaign, record["at"])
            if len(arrivals) == len(accepted):
                break
            time.sleep(0.1)
        latencies = [(arrivals[c] - accepted[c]) * 1000 for c in accepted if c in arrivals]
        print()
        print(f"webhooks                {args.count}, one per campaign, {args.spacing:g} s apart (Slack pacing: 1 message/s per URL)")
        print(f"Slack requests          {len(latencies)} of {args.count}")
        if latencies:
            print(f"202 → Slack request     p50 {kit.percentile(latencies, 50):.1f} ms   p99 {kit.percentile(latencies, 99):.1f} ms   "
                  f"max {max(latencies):.1f} ms   (targets: p50 ≤ 100 ms, p99 ≤ 500 ms)")
        return 0 if len(latencies) == args.count and kit.percentile(latencies, 50) <= 100 and kit.percentile(latencies, 99) <= 500 else 3
    finally:
        kit.cleanup(directory, args.keep, server, slack, mock)


if __name__ == "__main__":
    sys.exit(main())
