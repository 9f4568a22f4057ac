import AsyncHTTPClient
import Foundation
import AdWatchCore
import AdWatchApp
import AdWatchMockAds

/// The demo's script: one campaign, six steps, each ending when AdWatch has said what it should.
struct DemoStory {
    let mock: MockAdsAPI.State
    let store: any AdWatchStore
    let clock: ManualWallClock
    let deliveries: DemoTap.Log
    let source: SourceConfig
    let receiver: String
    let http: HTTPClient
    let stepTimeout: Duration
    let say: @Sendable (String) -> Void

    /// Makes this run's delivery ids unique.
    let run = String(UUID().uuidString.prefix(8)).lowercased()

    var campaign: Int { DemoScenario.campaignID }
    var campaignText: String { String(campaign) }

    func play() async throws {
        let start = clock.now()
        func at() -> String {
            let minutes = Int(clock.now().timeIntervalSince(start) / 60)
            return "[+\(minutes / 60)h\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)m]"
        }

        // 1. The campaign exists in the Ads API, in review, and its creation webhook arrives.
        try await mock.cloneCampaign(campaign)
        try await mock.updateCampaign(
            id: campaign,
            .init(status: "IN_REVIEW", accountStatus: 1, disableReason: 0, budget: .int(550), adAccountGood: true, adAccountError: .some(nil), spend: "0.00")
        )
        say("\(at()) → campaign \(campaign) created: budget 550, waiting for Meta's ad review")
        try await webhook("campaign.created", status: "IN_REVIEW", id: "created")
        let snapshot = try await waitForSnapshot()
        say("   AdWatch re-fetched it from the Ads API: \(snapshot.status), ad account \(snapshot.accountStatus?.description ?? "?"), "
            + "spend \(snapshot.spend.map { RuleText.money($0, snapshot.currency) } ?? "?")")

        // 2. Nothing happens for a day: the scheduler notices without any webhook.
        clock.advance(by: .seconds(24 * 3600 + 60))
        say("\(at()) ⏩ a simulated day later the campaign is still IN_REVIEW (no webhook arrives)")
        try await expect(.firing, "in-review-too-long")

        // 3. Review passes.
        clock.advance(by: .seconds(180))
        try await mock.updateCampaign(id: campaign, .init(status: "ACTIVE"))
        say("\(at()) → Meta approved the ads: campaign \(campaign) is ACTIVE")
        try await webhook("campaign.updated", status: "ACTIVE", id: "approved")
        try await expect(.resolved, "in-review-too-long")

        // 4. The customer's ad account cannot pay.
        clock.advance(by: .seconds(180))
        try await mock.updateCampaign(
            id: campaign, .init(accountStatus: 3, disableReason: 3, adAccountGood: false, adAccountError: "Ad account is unsettled: payment failed")
        )
        say("\(at()) → the customer's ad account is UNSETTLED (3): a payment failed")
        try await webhook("campaign.updated", status: "ACTIVE", id: "unsettled")
        try await expect(.firing, "account-standing")

        // 5. The customer pays.
        clock.advance(by: .seconds(180))
        try await mock.updateCampaign(id: campaign, .init(accountStatus: 1, disableReason: 0, adAccountGood: true, adAccountError: .some(nil)))
        say("\(at()) → the customer settled the bill: ad account ACTIVE (1) again")
        try await webhook("campaign.updated", status: "ACTIVE", id: "settled")
        try await expect(.resolved, "account-standing")

        // 6. Spend passes 80 % of the budget.
        clock.advance(by: .seconds(180))
        try await mock.updateCampaign(id: campaign, .init(spend: "451.00"))
        say("\(at()) → the campaign has spent 451.00 of its 550 budget (82 %)")
        try await webhook("campaign.updated", status: "ACTIVE", id: "spend")
        try await expect(.firing, "spend-80")
    }

    /// Sends a flat Symphony campaign webhook, signed with the source's secret at the simulated time.
    private func webhook(_ event: String, status: String, id: String) async throws {
        let body = #"{"event":"\#(event)","provider":"facebook","type":"record_streams","id":\#(campaign),"brand_id":246,"status":"\#(status)"}"#
        let reply = try await WebhookSender.send(body: Array(body.utf8), as: source, to: receiver, deliveryID: "demo_\(run)_\(id)", timestamp: clock.now(), client: http)
        guard reply.status == 202 else {
            throw DemoScenario.Failure(description: "the receiver answered \(reply.status) to the \(event) webhook: \(reply.body)")
        }
        say("   webhook \(event) → \(reply.status) accepted")
    }

    private func waitForSnapshot() async throws -> CampaignSnapshot {
        try await poll("campaign \(campaign) was not re-fetched") { try await store.snapshot(campaignID: campaignText) }
    }

    /// Waits until the console channel has delivered this notification.
    private func expect(_ status: OutboxMessage.Kind, _ rule: String) async throws {
        let wanted = DemoTap.Seen(status: status, rule: rule, campaignID: campaignText)
        _ = try await poll("no \(status.rawValue) notification from \(rule)") { await deliveries.contains(wanted) ? true : nil }
    }

    /// Polls every 20 ms until `check` gives a value, for at most the step timeout.
    private func poll<T>(_ failure: String, _ check: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now.advanced(by: stepTimeout)
        while ContinuousClock.now < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoScenario.Failure(description: "\(failure) within \(stepTimeout); run again with --log-level info to see why")
    }
}
