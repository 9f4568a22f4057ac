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

    /// Parses a duration string.
    /// - Throws: ``ConfigError`` (without a path) when the text is not a duration.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var total = Duration.zero
        var number = ""
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { throw ConfigError(path: "", "empty duration") }
        while !rest.isEmpty {
            number = String(rest.prefix { $0.isNumber })
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            guard let value = Int64(number), !unit.isEmpty else {
                throw ConfigError(path: "", "'\(text)' is not a duration; write e.g. 30s, 5m, 24h, 90d or 1h30m")
            }
            switch unit {
            case "ms": total += .milliseconds(value)
            case "s": total += .seconds(value)
            case "m": total += .seconds(value * 60)
            case "h": total += .seconds(value * 3600)
            case "d": total += .seconds(value * 86_400)
            default: throw ConfigError(path: "", "'\(text)' has unknown unit '\(unit)'; use ms, s, m, h or d")
            }
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
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
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
