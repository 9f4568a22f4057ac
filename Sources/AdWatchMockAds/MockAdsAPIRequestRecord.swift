public import Foundation
import AdWatchCore

extension MockAdsAPI {
    /// One `/v1` request as the mock answered it, so a test can check what a client asked for.
    ///
    /// It records whether an API key was sent, never the key itself.
    public struct RequestRecord: Sendable, Equatable {
        public var route: Route
        /// The request path without the query.
        public var path: String
        /// The campaign id from the path (`/v1/campaign/{id}`) or the `campaignId` query parameter, as sent.
        public var campaignID: String?
        public var apiKeyPresent: Bool
        /// The `x-brand-id` header, as sent.
        public var brandID: String?
        /// The status the mock answered.
        public var status: Int
        /// When the request arrived, by the state's clock.
        public var at: Date

        public init(route: Route, path: String, campaignID: String?, apiKeyPresent: Bool, brandID: String?, status: Int, at: Date) {
            self.route = route
            self.path = path
            self.campaignID = campaignID
            self.apiKeyPresent = apiKeyPresent
            self.brandID = brandID
            self.status = status
            self.at = at
        }

        /// The control API's form: `{"route","path","campaign_id","api_key_present","brand_id","status","at_ms"}`.
        var json: JSONValue {
            .object([
                "route": .string(route.rawValue),
                "path": .string(path),
                "campaign_id": campaignID.map(JSONValue.string) ?? .null,
                "api_key_present": .bool(apiKeyPresent),
                "brand_id": brandID.map(JSONValue.string) ?? .null,
                "status": .int(Int64(status)),
                "at_ms": .int(Int64((at.timeIntervalSince1970 * 1000).rounded())),
            ])
        }
    }
}
