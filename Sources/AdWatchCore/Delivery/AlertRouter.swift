public import Foundation

/// Alertmanager-style routing: routes are tried in order; a route matches when every `match` label is
/// equal; the first match wins unless it says `continue`. Resolved notifications follow only routes with
/// `send_resolved`.
public struct AlertRouter: Sendable {
    public let routes: [RouteConfig]

    public init(routes: [RouteConfig]) {
        self.routes = routes
    }

    /// The routes (by index) a notification with these labels takes.
    public func routes(for labels: [String: String], kind: OutboxMessage.Kind) -> [Int] {
        var matched: [Int] = []
        for (index, route) in routes.enumerated() where route.match.allSatisfy({ labels[$0.key] == $0.value }) {
            if kind == .firing || route.sendResolved { matched.append(index) }
            if !route.continue { break }
        }
        return matched
    }

    /// The channels an alert with these labels would reach (`adwatch routes test`).
    public func channels(for labels: [String: String], kind: OutboxMessage.Kind = .firing) -> [String] {
        routes(for: labels, kind: kind).flatMap { routes[$0].channels }
    }

    /// The group a notification joins on a route: the route, firing or resolved, and the `group_by`
    /// label values (rule and campaign when `group_by` is empty).
    public func groupKey(routeIndex: Int, labels: [String: String], kind: OutboxMessage.Kind) -> String {
        let names = routes[routeIndex].groupBy.isEmpty ? ["rule", "campaign_id"] : routes[routeIndex].groupBy
        return "\(routeIndex)|\(kind.rawValue)|" + names.map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }

    /// Whether a group on this route may go out now: `group_wait` after its first entry, `group_interval`
    /// after the last flush, and never inside a mute window.
    public func isDue(routeIndex: Int, firstEntryAt: Date, lastFlush: Date?, now: Date) -> Bool {
        let route = routes[routeIndex]
        if route.muteWindows.contains(where: { $0.contains(now) }) { return false }
        if let lastFlush {
            return now.timeIntervalSince(lastFlush) >= (route.groupInterval?.seconds ?? 0)
        }
        return now.timeIntervalSince(firstEntryAt) >= (route.groupWait?.seconds ?? 0)
    }
}
