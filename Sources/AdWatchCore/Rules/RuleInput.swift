public import Foundation

/// Everything a campaign rule may look at. Rules are pure functions of this value: no I/O, no clock.
public struct RuleInput: Sendable {
    public var snapshot: CampaignSnapshot
    /// The campaign's state history, oldest first.
    public var history: [CampaignStateChange]
    public var now: Date
    /// `facebook` or `symphony`, from the campaign's webhooks.
    public var provider: String?
    /// The source its webhooks came from.
    public var source: String?
    /// The ids of every campaign AdWatch knows on the same ad account (this one included).
    public var campaignsOnAccount: [String]

    public init(
        snapshot: CampaignSnapshot,
        history: [CampaignStateChange] = [],
        now: Date,
        provider: String? = nil,
        source: String? = nil,
        campaignsOnAccount: [String] = []
    ) {
        self.snapshot = snapshot
        self.history = history
        self.now = now
        self.provider = provider
        self.source = source
        self.campaignsOnAccount = campaignsOnAccount
    }
}

/// One thing a rule found wrong.
public struct RuleFinding: Sendable, Equatable {
    /// Which level of the rule holds (`after`, `critical_after`, `80%`, `behind`…); part of the alert's fingerprint.
    public var level: String?
    public var severity: Severity
    /// What is wrong, in plain words.
    public var summary: String
    /// The facts behind it (status, amounts, times), for messages and the audit log.
    public var facts: [String: String]

    public init(level: String? = nil, severity: Severity, summary: String, facts: [String: String] = [:]) {
        self.level = level
        self.severity = severity
        self.summary = summary
        self.facts = facts
    }
}

/// What a rule concluded.
public enum RuleVerdict: Sendable, Equatable {
    /// Something is wrong: one finding per level that holds.
    case firing([RuleFinding])
    /// Nothing is wrong; the text says what was checked.
    case clear(String)
    /// The rule does not apply (out of scope, or the campaign is not in the state it watches).
    case notApplicable(String)
    /// The rule lacks the data it needs and does not fire; the text says what is missing.
    case noData(String)
}

/// A rule's verdict and when time alone could change it (the scheduler's next check).
public struct RuleEvaluation: Sendable, Equatable {
    public var rule: String
    public var kind: RuleConfig.Kind
    public var verdict: RuleVerdict
    /// The earliest time after `now` at which the verdict may change without new data; nil when only new data can.
    public var nextCheck: Date?
}
