import AdWatchCore
extension MockAdsAPI {
    /// A misbehaviour the mock shows to the next matching requests (after the API key and rate-limit checks).
    ///
    /// Faults wait in a queue; a request takes the first one whose route matches, which then
    /// applies `count` times (or to every matching request, when `count` is nil).
    ///
    /// ```swift
    /// await state.addFault(.init(route: .campaign, kind: .status(500), count: 2))
    /// await state.addFault(.init(kind: .slow(.seconds(3))))  // every route, until cleared
    /// ```
    public struct Fault: Sendable, Equatable {
        /// What the mock does instead of, or before, answering normally.
        public enum Kind: Sendable, Equatable {
            /// Answer this status with the error body `{"status":"error","message":"Injected fault","code":"INJECTED"}`.
            case status(Int)
            /// Answer 429 with `Retry-After` set to this many seconds.
            case rateLimit(retryAfterSeconds: Int)
            /// Wait this long, then answer normally.
            case slow(Duration)
            /// Answer 200 with the normal body cut in half (invalid JSON).
            case malformed
        }

        /// The route it applies to; nil for every route (`"*"` in the control API).
        public var route: Route?
        public var kind: Kind
        /// How many requests it applies to; nil for all of them until the faults are cleared.
        public var count: Int?

        public init(route: Route? = nil, kind: Kind, count: Int? = nil) {
            self.route = route
            self.kind = kind
            self.count = count
        }

        func matches(_ route: Route) -> Bool {
            self.route == nil || self.route == route
        }
    }
}

extension MockAdsAPI.Fault {
    /// Reads a fault from the control API's body:
    /// `{"route": "campaign"|"analytics"|"creative"|"list"|"*", "kind": "status"|"rate_limit"|"slow"|"malformed",
    /// "status": 500, "retry_after": 2, "delay_ms": 3000, "count": 3}`.
    ///
    /// `route` defaults to `"*"`, `status` to 500, `retry_after` to 1 s and `delay_ms` to 1000.
    init(json: JSONValue) throws(MockAdsAPI.InvalidControlBody) {
        let body = try MockAdsAPI.ControlBody(json, allowed: ["route", "kind", "status", "retry_after", "delay_ms", "count"])
        switch try body.string("route") ?? "*" {
        case "*": route = nil
        case let name:
            guard let known = MockAdsAPI.Route(rawValue: name) else {
                throw .init("route must be one of: *, \(MockAdsAPI.Route.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            route = known
        }
        switch try body.string("kind") ?? "" {
        case "status":
            let status = try body.integer("status") ?? 500
            guard (100...599).contains(status) else { throw .init("status must be an HTTP status code") }
            kind = .status(status)
        case "rate_limit":
            let seconds = try body.integer("retry_after") ?? 1
            guard seconds >= 0 else { throw .init("retry_after must not be negative") }
            kind = .rateLimit(retryAfterSeconds: seconds)
        case "slow":
            let milliseconds = try body.integer("delay_ms") ?? 1000
            guard milliseconds >= 0 else { throw .init("delay_ms must not be negative") }
            kind = .slow(.milliseconds(milliseconds))
        case "malformed":
            kind = .malformed
        default:
            throw .init("kind must be one of: status, rate_limit, slow, malformed")
        }
        count = try body.integer("count")
        if let count, count < 1 { throw .init("count must be at least 1") }
    }
}
