import Foundation
import NIOConcurrencyHelpers
import AdWatchCore

/// Refuses sign-in attempts from an address after `limit` wrong tokens within `window`, until the
/// oldest of them leaves the window: guessing the admin token costs real time.
///
/// One instance serves the admin API (bearer token) and the web form, so a client gets `limit` guesses
/// in all, not `limit` per door. Addresses are client addresses (``ClientAddress``), so behind a trusted
/// proxy one client's guesses lock out only that client. Bounded: past ``capacity`` addresses the stalest
/// are forgotten.
final class SignInThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    let capacity: Int
    private let failures = NIOLockedValueBox<[String: [Date]]>([:])

    init(limit: Int = 5, window: TimeInterval = 300, capacity: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// How long `address` must wait before trying again; `nil` when it may try now.
    func retryAfter(_ address: String, now: Date) -> TimeInterval? {
        failures.withLockedValue { failures in
            let recent = (failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
            failures[address] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, window - now.timeIntervalSince(oldest))
        }
    }

    func recordFailure(_ address: String, now: Date) {
        failures.withLockedValue { failures in
            if failures[address] == nil && failures.count >= capacity {
                let stalest = failures.min { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }
                if let stalest { failures[stalest.key] = nil }
            }
            failures[address, default: []].append(now)
        }
    }

    func reset(_ address: String) {
        _ = failures.withLockedValue { $0.removeValue(forKey: address) }
    }
}
