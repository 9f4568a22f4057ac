public import Foundation

/// Where an alert is in its life: pending (found, waiting out `for:`) → firing → resolved.
public enum AlertState: String, Sendable, Codable, CaseIterable {
    case pending, firing, resolved
}

/// An alert: one rule's finding about one campaign (and level), identified by its fingerprint.
public struct Alert: Sendable, Equatable {
    package init(fingerprint: String, rule: String, campaignID: String, level: String? = nil, labels: [String : String], severity: AdWatchCore.Severity, summary: String, state: AdWatchCore.AlertState, activeSince: Date, firingSince: Date? = nil, resolvedAt: Date? = nil, lastNotifiedAt: Date? = nil, suppressedBy: String? = nil, updatedAt: Date) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.campaignID = campaignID
        self.level = level
        self.labels = labels
        self.severity = severity
        self.summary = summary
        self.state = state
        self.activeSince = activeSince
        self.firingSince = firingSince
        self.resolvedAt = resolvedAt
        self.lastNotifiedAt = lastNotifiedAt
        self.suppressedBy = suppressedBy
        self.updatedAt = updatedAt
    }

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
///
/// A regex is compiled once, when the matcher is made (or read back from the store), never per
/// evaluation, and matched in linear time (``LinearRegex``, RE2's syntax core: a pattern such as
/// `(a+)+$` costs no more than `a+`; backreferences and lookaround are refused). Limits keep an
/// operator's pattern from costing unbounded time: a pattern longer than ``maxPatternLength`` is
/// refused at creation, and a label value longer than ``maxValueLength`` never matches a regex (it
/// is not looked at).
public struct LabelMatcher: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The longest regex accepted, in bytes of UTF-8.
    public static let maxPatternLength = 256
    /// The longest label value a regex is run against, in bytes of UTF-8; longer values do not match.
    public static let maxValueLength = 256
    /// The longest label name, and the longest value of an equality matcher, in bytes of UTF-8.
    public static let maxNameLength = 128
    public static let maxEqualityValueLength = 1024

    public let name: String
    public let value: String
    public let isRegex: Bool
    /// The compiled regex (nil for an equality matcher, or for a stored pattern that no longer
    /// compiles, which then matches nothing).
    let compiled: CompiledPattern?

    /// A matcher; a regex is checked against the limits and compiled here.
    /// - Throws: ``ConfigError`` for an empty name, an over-long pattern or one that is not a regex.
    public init(name: String, value: String, isRegex: Bool = false) throws(ConfigError) {
        guard !name.isEmpty else { throw ConfigError(path: "", "'\(Self.shown(name, value, isRegex))' has no label name") }
        guard name.utf8.count <= Self.maxNameLength else { throw ConfigError(path: "", "a label name is at most \(Self.maxNameLength) bytes") }
        self.name = name
        self.value = value
        self.isRegex = isRegex
        guard isRegex else {
            guard value.utf8.count <= Self.maxEqualityValueLength else {
                let limit = Self.maxEqualityValueLength
                throw ConfigError(path: "", "the value for '\(name)' is \(value.utf8.count) bytes; at most \(limit) are allowed")
            }
            compiled = nil
            return
        }
        guard value.utf8.count <= Self.maxPatternLength else {
            throw ConfigError(path: "", "the regular expression for '\(name.prefix(64))' is \(value.utf8.count) bytes; at most \(Self.maxPatternLength) are allowed")
        }
        do {
            compiled = CompiledPattern(try LinearRegex(value))
        } catch {
            throw ConfigError(path: "", "'\(value)' is not a supported regular expression: \(error.reason)")
        }
    }

    /// Parses `name=value` or `name=~regex`.
    public init(parsing text: String) throws(ConfigError) {
        if let range = text.range(of: "=~") {
            try self.init(name: String(text[..<range.lowerBound]), value: String(text[range.upperBound...]), isRegex: true)
        } else if let range = text.range(of: "=") {
            try self.init(name: String(text[..<range.lowerBound]), value: String(text[range.upperBound...]))
        } else {
            throw ConfigError(path: "", "'\(text.prefix(300))' is not a matcher; write name=value or name=~regex")
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        guard isRegex else { return actual == value }
        guard let compiled, actual.utf8.count <= Self.maxValueLength else { return false }
        return compiled.regex.wholeMatch(actual)
    }

    public var description: String { "\(name)\(isRegex ? "=~" : "=")\(value)" }

    private static func shown(_ name: String, _ value: String, _ isRegex: Bool) -> String {
        String("\(name)\(isRegex ? "=~" : "=")\(value)".prefix(300))
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value && lhs.isRegex == rhs.isRegex
    }

    private enum CodingKeys: String, CodingKey {
        case name, value, isRegex
    }

    /// Reads a stored matcher. A stored regex that is refused today (longer than the limit, or no
    /// longer compiling) is kept as a matcher that matches nothing: a silence never widens.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        value = try c.decode(String.self, forKey: .value)
        isRegex = try c.decode(Bool.self, forKey: .isRegex)
        compiled = isRegex && value.utf8.count <= Self.maxPatternLength ? (try? LinearRegex(value)).map(CompiledPattern.init) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(isRegex, forKey: .isRegex)
    }
}

/// A regex compiled once and shared by every copy of its ``LabelMatcher``.
final class CompiledPattern: Sendable {
    let regex: LinearRegex

    init(_ regex: LinearRegex) {
        self.regex = regex
    }
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
    package init(id: String, fingerprint: String, kind: AdWatchCore.OutboxMessage.Kind, rule: String, campaignID: String, severity: AdWatchCore.Severity, summary: String, labels: [String : String], createdAt: Date) {
        self.id = id
        self.fingerprint = fingerprint
        self.kind = kind
        self.rule = rule
        self.campaignID = campaignID
        self.severity = severity
        self.summary = summary
        self.labels = labels
        self.createdAt = createdAt
    }

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
