import Foundation

/// A duration written in the configuration file as `500ms`, `30s`, `5m`, `24h`, `90d` or a sum such as `1h30m`.
public struct ConfigDuration: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// The parsed duration.
    public var duration: Duration
    /// The text it was written as (kept for explanations).
    public var text: String

    public init(_ duration: Duration) {
        self.duration = duration
        self.text = Self.format(duration)
    }

    /// The longest duration a configuration, a silence or a command may name: 100 years (36 500 days).
    /// Longer is an error, so nothing downstream (deadlines, millisecond columns) can overflow.
    public static let maximum: Duration = .seconds(36_500 * 86_400)

    /// Parses a duration string.
    /// - Throws: ``ConfigError`` (without a path) when the text is not a duration or is longer than ``maximum``.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var total = Duration.zero
        var number = ""
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { throw ConfigError(path: "", "empty duration") }
        // Quoted back in errors, so keep what is quoted short.
        let shown = trimmed.count > 40 ? String(trimmed.prefix(40)) + "…" : trimmed
        let tooLong = ConfigError(path: "", "'\(shown)' is longer than 100 years (36500d), the longest duration allowed")
        while !rest.isEmpty {
            number = String(rest.prefix { $0.isNumber })
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            guard !number.isEmpty, number.allSatisfy(\.isASCII), !unit.isEmpty else {
                throw ConfigError(path: "", "'\(shown)' is not a duration; write e.g. 30s, 5m, 24h, 90d or 1h30m")
            }
            // Digits only, so a number Int64 cannot hold is simply too large.
            guard let value = Int64(number) else { throw tooLong }
            let secondsPerUnit: Int64
            switch unit {
            case "ms": secondsPerUnit = 0
            case "s": secondsPerUnit = 1
            case "m": secondsPerUnit = 60
            case "h": secondsPerUnit = 3600
            case "d": secondsPerUnit = 86_400
            default: throw ConfigError(path: "", "'\(shown)' has unknown unit '\(unit.prefix(10))'; use ms, s, m, h or d")
            }
            if secondsPerUnit == 0 {
                total += .milliseconds(value)
            } else {
                let (seconds, overflow) = value.multipliedReportingOverflow(by: secondsPerUnit)
                guard !overflow else { throw tooLong }
                total += .seconds(seconds)
            }
            guard total <= Self.maximum else { throw tooLong }
        }
        self.duration = total
        self.text = trimmed
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch let error as ConfigError {
            throw ConfigError(codingPath: decoder.codingPath, error.message)
        }
    }

    public var description: String { text }

    /// Seconds as a floating-point value.
    public var seconds: Double { duration.timeInterval }

    static func format(_ duration: Duration) -> String {
        let ms = CheckedTime.milliseconds(duration)
        if ms % 86_400_000 == 0 && ms > 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0 && ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 && ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension ConfigDuration: ExpressibleByStringLiteral {
    /// For defaults in code; a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        // swift-format-ignore: NeverUseForceTry
        try! self.init(parsing: value)
    }
}
