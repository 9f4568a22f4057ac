public import Foundation
import NIOConcurrencyHelpers

/// The source of wall-clock time for everything that compares against real dates
/// (signature timestamps, dedup windows, audit records).
///
/// Injected so tests move time forward instead of sleeping.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to: for tests and for the demo's simulated time.
///
/// ```swift
/// let clock = ManualWallClock(Date(timeIntervalSince1970: 1_700_000_000))
/// clock.advance(by: .seconds(90))
/// ```
public final class ManualWallClock: WallClock {
    private let current: NIOLockedValueBox<Date>

    public init(_ start: Date) {
        self.current = NIOLockedValueBox(start)
    }

    public func now() -> Date { current.withLockedValue { $0 } }

    /// Moves the clock forward (or back, with a negative duration).
    public func advance(by duration: Duration) {
        current.withLockedValue { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLockedValue { $0 = date }
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
