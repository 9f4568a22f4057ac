public import Foundation

/// Where an alert is in its life: pending (found, waiting out `for:`) → firing → resolved.
public enum AlertState: String, Sendable, Codable, CaseIterable {
    case pending, firing, resolved
}

/// An alert: one rule's finding about one campaign (and level), identified by its fingerprint.
public struct Alert: Sendable, Equatable {
    /// `rule/campaign[/level]`: the same problem keeps the same fingerprint across evaluations.
    public var fingerprint: String
    public var rule: String
    public var campaignID: String
    public var level: String?
    public var labels: [String: String]
    public var severity: Severity
    public var summary: String
    public var state: AlertState
    /// When the rule first found it (this time round).
    public var activeSince: Date
    public var firingSince: Date?
    public var resolvedAt: Date?
    /// When a notification was last queued for it.
    public var lastNotifiedAt: Date?
    /// What kept its last notification from going out (`silence:<id>`, `inhibited by <fingerprint>`), if anything.
    public var suppressedBy: String?
    public var updatedAt: Date

    public static func fingerprint(rule: String, campaignID: String, level: String?) -> String {
        [rule, campaignID, level].compactMap { $0 }.joined(separator: "/")
    }
}

/// A label matcher, `name=value` or `name=~regex` (as in Alertmanager).
public struct LabelMatcher: Sendable, Equatable, Codable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var isRegex: Bool

    public init(name: String, value: String, isRegex: Bool = false) {
        self.name = name
        self.value = value
        self.isRegex = isRegex
    }

    /// Parses `name=value` or `name=~regex`.
    public init(parsing text: String) throws(ConfigError) {
        if let range = text.range(of: "=~") {
            self.init(name: String(text[..<range.lowerBound]), value: String(text[range.upperBound...]), isRegex: true)
            guard (try? Regex(value)) != nil else { throw ConfigError(path: "", "'\(value)' is not a valid regular expression") }
        } else if let range = text.range(of: "=") {
            self.init(name: String(text[..<range.lowerBound]), value: String(text[range.upperBound...]))
        } else {
            throw ConfigError(path: "", "'\(text)' is not a matcher; write name=value or name=~regex")
        }
        guard !name.isEmpty else { throw ConfigError(path: "", "'\(text)' has no label name") }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        guard isRegex else { return actual == value }
        guard let regex = try? Regex(value) else { return false }
        return (try? regex.wholeMatch(in: actual)) != nil
    }

    public var description: String { "\(name)\(isRegex ? "=~" : "=")\(value)" }
}

/// A silence: notifications for alerts matching every matcher are held back between `startsAt` and `endsAt`.
public struct Silence: Sendable, Equatable {
    public var id: String
    public var matchers: [LabelMatcher]
    public var startsAt: Date
    public var endsAt: Date
    public var author: String
    public var comment: String
    public var createdAt: Date

    public init(id: String, matchers: [LabelMatcher], startsAt: Date, endsAt: Date, author: String, comment: String, createdAt: Date) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.author = author
        self.comment = comment
        self.createdAt = createdAt
    }

    public func isActive(at now: Date) -> Bool { startsAt <= now && now < endsAt }

    public func matches(_ labels: [String: String]) -> Bool { matchers.allSatisfy { $0.matches(labels) } }
}

/// A notification request for the delivery layer, kept in a durable outbox.
public struct OutboxMessage: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case firing, resolved
    }

    public var id: String
    public var fingerprint: String
    public var kind: Kind
    public var rule: String
    public var campaignID: String
    public var severity: Severity
    public var summary: String
    public var labels: [String: String]
    public var createdAt: Date
}
