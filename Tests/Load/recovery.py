#!/usr/bin/env python3
"""Recovery after SIGKILL: a stream of webhooks, two SIGKILLs mid-stream, every acknowledged webhook alerts once.

Each webhook is for its own campaign, whose ad account the mock reports unsettled, so each must end
in exactly one firing message at the webhook-channel receiver. The mock answers campaign requests
after `--fetch-delay` (a real API's latency), so fetches — and their claims — are in flight when the
kills land; the receiver answers after `--send-delay`, so deliveries are too. The sender behaves like
a provider: a webhook that got no answer (the server was down) is sent again until it is acknowledged.

Prints: acknowledged, alerted, duplicates (campaigns with more than one distinct firing message),
and the seconds from the last restart to the last campaign's first message.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_load as kit  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--webhooks", type=int, default=400)
    parser.add_argument("--rate", type=float, default=25, help="webhooks per second")
    parser.add_argument("--fetch-delay-ms", type=int, default=100)
    parser.add_argument("--send-delay", type=float, default=0.05)
    parser.add_argument("--wait", type=float, default=360, help="seconds to wait for every alert after the last restart")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="adwatch-recovery.")
    mock = receiver = None
    servers = []
    try:
        mock = kit.Mock(args.bin, directory, args.fixtures, requests_per_minute=1_000_000)
        campaigns = list(range(200_000, 200_000 + args.webhooks))
        mock.add_campaigns(campaigns, account_status=3, ad_account_good=False)
        mock.control("POST", "/faults", {"route": "campaign", "kind": "slow", "delay_ms": args.fetch_delay_ms})
        receiver = kit.Receiver(delay=args.send_delay)
        port = kit.free_port()
        config = kit.adwatch_config(directory, port, mock.port, requests_per_minute=100_000, extra=f"""rules:
  - name: account-standing
    kind: ad_account_standing
    severity: critical
channels:
  - name: hook
    kind: webhook
    url: http://127.0.0.1:{receiver.port}/hook
    secret: {kit.SECRET}
routes:
  - channels: [hook]
""")
        servers.append(kit.start_adwatch(args.bin, config, directory, "adwatch-1"))
        sender = kit.Sender(port)
        acknowledged = set()
        refused = [0]
        lock = threading.Lock()

        def send(index):
            msg_id, body = f"rec_{index}", kit.campaign_body(campaigns[index], index)
            deadline = time.time() + 120
            while time.time() < deadline:
                status = sender.post(msg_id, body, timeout=10)
                if status in (200, 202):
                    with lock:
                        acknowledged.add(index)
                    return
                with lock:
                    refused[0] += 1
                time.sleep(0.05)  # the server is restarting: try again, as a provider would

        # The stream, paced; each webhook on its own thread so a restart does not stall the pace.
        kills = [args.webhooks // 3, 2 * args.webhooks // 3]
        threads = []
        started = time.time()
        last_restart = None
        for index in range(args.webhooks):
            thread = threading.Thread(target=send, args=(index,), daemon=True)
            thread.start()
            threads.append(thread)
            if kills and index + 1 >= kills[0]:
                kills.pop(0)
                with lock:
                    acked = len(acknowledged)
                victim = servers[-1]
                victim.kill()
                kit.log(f"SIGKILL {victim.name} after {index + 1} sent, {acked} acknowledged")
                last_restart = time.time()
                servers.append(kit.start_adwatch(args.bin, config, directory, f"adwatch-{len(servers) + 1}"))
            time.sleep(max(0, started + (index + 1) / args.rate - time.time()))
        for thread in threads:
            thread.join()
        kit.log(f"stream sent in {time.time() - started:.1f} s; {refused[0]} attempts found the server down")

        # Wait (bounded) until every acknowledged webhook's campaign has a firing message.
        wanted = {str(campaigns[index]) for index in acknowledged}
        deadline = last_restart + args.wait
        first_message = {}
        messages = {}
        while True:
            first_message.clear()
            messages.clear()
            for record in receiver.snapshot():
                document = json.loads(record["body"])
                if document.get("status") != "firing":
                    continue
                for alert in document["alerts"]:
                    campaign = alert["campaign_id"]
                    messages.setdefault(campaign, set()).add(document["id"])
                    first_message[campaign] = min(first_message.get(campaign, record["at"]), record["at"])
            if wanted <= set(first_message) or time.time() > deadline:
                break
            time.sleep(0.2)

        alerted = wanted & set(first_message)
        duplicates = sum(1 for campaign in alerted if len(messages[campaign]) > 1)
        for server in servers:
            server.stop()
        released = kit.audit_details(directory, "claims.released")
        print()
        print(f"webhooks sent           {args.webhooks} ({args.rate:g}/s, two SIGKILLs at 1/3 and 2/3)")
        print(f"acknowledged            {len(acknowledged)}")
        print(f"alerted                 {len(alerted)}")
        print(f"duplicates              {duplicates}  (campaigns with more than one distinct firing message)")
        print(f"claims released         {len(released)} restarts of 2: "
              + ", ".join(f"{r['events']} events + {r['deliveries']} deliveries" for r in released))
        if wanted <= set(first_message):
            last = max(first_message[campaign] for campaign in wanted)
            print(f"last restart → all alerted  {last - last_restart:.1f} s  (target ≤ 30 s)")
        else:
            print(f"last restart → all alerted  NOT within {args.wait:g} s ({len(wanted - alerted)} missing)")
        ok = len(acknowledged) == args.webhooks and alerted == wanted and duplicates == 0
        return 0 if ok else 3
    finally:
        kit.cleanup(directory, args.keep, *servers, receiver, mock)


if __name__ == "__main__":
    sys.exit(main())
