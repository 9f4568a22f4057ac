public import Foundation

/// The one reader of a peer's "wait this long" headers: `Retry-After` (channels and the Ads API) and
/// the Ads API's `X-RateLimit-Reset`.
///
/// A peer's header is untrusted text: every value has a defined outcome, and no wait is longer than
/// the caller's cap (channels: ``channelCap``; the Ads API: `advertising.retry_max`).
///
/// | `Retry-After` value | wait |
/// |---|---|
/// | `120`, `1.5`, `2e1` (seconds) | that long, rounded up to the millisecond, at most `cap` |
/// | a 20-digit number, `1e300`, `inf` | `cap` |
/// | an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) | until then; `0` if it has passed; at most `cap` |
/// | negative, `nan`, empty, anything else | nil: the caller uses its own backoff |
public enum RetryAfter {
    /// The longest a channel waits on a peer's word.
    public static let channelCap: Duration = .seconds(3600)

    /// A `Retry-After` value: delay-seconds or an HTTP date, as a wait of at most `cap`.
    /// - Returns: nil when the value is neither (see the type's table).
    public static func parse(_ value: String?, now: Date, cap: Duration) -> Duration? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = number(text) {
            return seconds >= 0 ? CheckedTime.duration(seconds: seconds, cap: cap) : nil
        }
        guard let date = httpDate(text) else { return nil }
        return CheckedTime.duration(seconds: date.timeIntervalSince(now), cap: cap)
    }

    /// An `X-RateLimit-Reset` value: seconds from now, or a Unix time (a number above 10⁹), as a wait
    /// of at most `cap`; a reset in the past is `0`.
    /// - Returns: nil when the value is not a number (the caller picks a short default).
    public static func rateLimitReset(_ value: String?, now: Date, cap: Duration) -> Duration? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), let reset = number(text), !reset.isNaN else { return nil }
        let seconds = reset > 1_000_000_000 ? reset - now.timeIntervalSince1970 : reset
        return CheckedTime.duration(seconds: seconds, cap: cap)
    }

    /// A decimal number (digits, `.`, an exponent, a sign) or infinity; nil for anything else (hex
    /// floats and other oddities `Double` would also accept are not delay-seconds).
    private static func number(_ text: String) -> Double? {
        let bytes = text.utf8
        let lowered = text.lowercased()
        if ["inf", "+inf", "infinity", "+infinity"].contains(lowered) { return .infinity }
        if ["-inf", "-infinity"].contains(lowered) { return -.infinity }
        if lowered == "nan" { return .nan }
        guard bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || Array("+-.eE".utf8).contains($0) }) else { return nil }
        // Bounded: a longer number is garbage or enormous; digits alone are simply "too long to wait".
        guard bytes.count <= 64 else { return bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ? .infinity : nil }
        return Double(text)
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form RFC 9110 lets senders use.
    ///
    /// Parsed by hand: Foundation's `DateFormatter` traps on some malformed input (a peer's header
    /// must never reach it).
    static func httpDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        // "Sun, 06 Nov 1994 08:49:37 GMT" is exactly 29 ASCII bytes.
        guard bytes.count == 29, bytes.allSatisfy({ $0 < 128 }),
              bytes[3] == UInt8(ascii: ","), bytes[4] == UInt8(ascii: " "), bytes[7] == UInt8(ascii: " "), bytes[11] == UInt8(ascii: " "),
              bytes[16] == UInt8(ascii: " "), bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25...] == Array(" GMT".utf8)[...]
        else { return nil }
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard days.contains(String(decoding: bytes[0..<3], as: UTF8.self)),
              let monthIndex = months.firstIndex(of: String(decoding: bytes[8..<11], as: UTF8.self)),
              let day = digits(5..<7), let year = digits(12..<16), let hour = digits(17..<19), let minute = digits(20..<22), let second = digits(23..<25),
              (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil); the year has four digits.
        let month = monthIndex + 1
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let daysSinceEpoch = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: TimeInterval(daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second))
    }
}
