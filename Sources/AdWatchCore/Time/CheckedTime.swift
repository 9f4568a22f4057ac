public import Foundation

/// Conversions between dates, durations and integer milliseconds that never trap.
///
/// Swift traps on an out-of-range `Int64(Double)` and on an overflowing `+` or `*`; a signed webhook
/// with `"timestamp": 1e300` or a peer's `Retry-After: inf` would be enough. Everything here clamps
/// (saturates) instead, so every input, however absurd, has a defined result:
///
/// | input | result |
/// |---|---|
/// | NaN | 0 |
/// | beyond `Int64.max` (or +∞) | `Int64.max` |
/// | below `Int64.min` (or −∞) | `Int64.min` |
public enum CheckedTime {
    /// `value` truncated toward zero, clamped to `Int64`; NaN is 0.
    public static func int64(clamping value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 0x1p63 { return .max }
        if value < -0x1p63 { return .min }
        return Int64(value)
    }

    /// Whole milliseconds since 1970, rounded down (clamped; see the type's table).
    ///
    /// Rounded to the microsecond first, so a binary fraction such as …922.9999 still counts as …923.
    public static func milliseconds(_ date: Date) -> Int64 {
        let microseconds = int64(clamping: (date.timeIntervalSince1970 * 1_000_000).rounded())
        var (quotient, remainder) = microseconds.quotientAndRemainder(dividingBy: 1000)
        if remainder < 0 { quotient -= 1 }
        return quotient
    }

    /// The instant `milliseconds` after 1970 (exact for every `Int64`).
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    /// A duration in whole milliseconds, rounded toward zero and clamped to `Int64`.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        return adding(whole, attoseconds / 1_000_000_000_000_000)
    }

    /// `seconds` (a floating-point count from outside) as a duration of whole milliseconds,
    /// clamped to `0...cap`; NaN is nil (no defined wait).
    public static func duration(seconds: Double, cap: Duration) -> Duration? {
        if seconds.isNaN { return nil }
        let capMS = milliseconds(cap)
        let ms = int64(clamping: (seconds * 1000).rounded(.up))
        return .milliseconds(min(max(0, ms), max(0, capMS)))
    }

    /// `a + b`, saturating at the ends of `Int64`.
    public static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? .max : .min }
        return sum
    }

    /// `a - b`, saturating at the ends of `Int64`.
    public static func subtracting(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return b < 0 ? .max : .min }
        return difference
    }
}
