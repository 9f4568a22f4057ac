public import Foundation
public import AdWatchCore

extension MockAdsAPI {
    /// The mock's mutable world: campaigns by id, queued faults, per-key rate-limit windows and the request log.
    ///
    /// The control API (`/_control/...`) calls these same methods, so a test in the same process can
    /// drive the mock directly instead of over HTTP.
    ///
    /// ```swift
    /// let state = try MockAdsAPI.State(fixtures: URL(fileURLWithPath: "samples/fixtures"), clock: clock)
    /// try await state.cloneCampaign(7001, from: 5195)
    /// try await state.updateCampaign(id: 7001, .init(accountStatus: 3, adAccountGood: false, spend: "412.50"))
    /// await state.addFault(.init(route: .analytics, kind: .status(503), count: 1))
    /// let seen = await state.requests()
    /// ```
    public actor State {
        var campaigns: [Int: CampaignDocuments]
        let creativePerformance: JSONValue
        var faults: [Fault] = []
        var log: [RequestRecord] = []
        var rateWindows: [String: RateWindow] = [:]
        let clock: any WallClock

        /// Loads every `campaign-<id>.json` / `campaign-analytics-<id>.json` pair (and the creative
        /// performance document) from a fixtures directory.
        ///
        /// - Parameters:
        ///   - fixtures: the directory, such as `samples/fixtures/`.
        ///   - clock: stamps `updatedAt` on updates, request-log entries and rate-limit windows.
        /// - Throws: ``MockAdsAPI/FixtureError`` naming the file that is missing or not JSON.
        public init(fixtures: URL, clock: any WallClock = SystemWallClock()) throws {
            let loaded = try Fixtures(directory: fixtures)
            self.campaigns = loaded.campaigns
            self.creativePerformance = loaded.creativePerformance
            self.clock = clock
        }

        /// The ids of every campaign, in ascending order.
        public func campaignIDs() -> [Int] {
            campaigns.keys.sorted()
        }

        /// What `GET /v1/campaign/{id}` answers for `id`, or nil for an unknown campaign.
        public func details(of id: Int) -> JSONValue? {
            campaigns[id]?.details
        }

        /// What `GET /v1/analytic/campaign/{id}` answers for `id`, or nil for an unknown campaign.
        public func analytics(of id: Int) -> JSONValue? {
            campaigns[id]?.analytics
        }

        /// Creates (or replaces) campaign `id` as a copy of another, with the copy's ids rewritten.
        ///
        /// The details' `data.id` becomes `id`. With a `brandID`, `data.brand_id` and the embedded
        /// `campaign_input.brand.id` change too; without one the copy keeps the source's brand.
        /// - Parameters:
        ///   - id: the new campaign's id.
        ///   - source: the campaign to copy; nil for the lowest id loaded.
        ///   - brandID: the brand of the copy, if it differs from the source's.
        /// - Returns: the id of the campaign that was copied.
        /// - Throws: ``MockAdsAPI/UnknownCampaign`` when there is no `source`.
        @discardableResult
        public func cloneCampaign(_ id: Int, from source: Int? = nil, brandID: Int? = nil) throws(UnknownCampaign) -> Int {
            let sourceID = source ?? campaigns.keys.min() ?? id
            guard var copy = campaigns[sourceID] else { throw UnknownCampaign(id: sourceID) }
            copy.details.set(.int(Int64(id)), at: "data.id")
            if let brandID {
                copy.details.set(.int(Int64(brandID)), at: "data.brand_id")
                let embeddedBrand = "data.campaign_metadata.campaign_input.brand.id"
                if copy.details[path: embeddedBrand] != nil {
                    copy.details.set(.int(Int64(brandID)), at: embeddedBrand)
                }
            }
            campaigns[id] = copy
            return sourceID
        }

        /// Changes campaign `id`'s documents as ``CampaignUpdate`` describes and sets its `data.updatedAt` to now.
        /// - Throws: ``MockAdsAPI/UnknownCampaign`` when there is no such campaign.
        public func updateCampaign(id: Int, _ update: CampaignUpdate) throws(UnknownCampaign) {
            guard var campaign = campaigns[id] else { throw UnknownCampaign(id: id) }
            let now = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(clock.now())
            update.apply(details: &campaign.details, analytics: &campaign.analytics, updatedAt: now)
            campaigns[id] = campaign
        }

        /// Queues a fault behind those already waiting.
        public func addFault(_ fault: Fault) {
            faults.append(fault)
        }

        /// The faults still waiting, with their remaining counts.
        public func pendingFaults() -> [Fault] {
            faults
        }

        /// Drops every queued fault.
        public func clearFaults() {
            faults.removeAll()
        }

        /// Every `/v1` request so far, oldest first.
        public func requests() -> [RequestRecord] {
            log
        }

        /// Empties the request log.
        public func clearRequests() {
            log.removeAll()
        }
    }

    /// One campaign's two documents, as the API answers them.
    struct CampaignDocuments: Sendable {
        var details: JSONValue
        var analytics: JSONValue
    }

    /// No campaign with this id.
    public struct UnknownCampaign: Error, Equatable, CustomStringConvertible {
        public var id: Int
        public var description: String { "no campaign \(id)" }
    }
}
