public import Foundation

/// Somewhere alerts are sent: Slack, an email API, a signed webhook, the console.
///
/// A new channel is one new type and one line in ``ChannelRegistry``.
///
/// ```swift
/// let channel = try ChannelRegistry.make(config, httpClient: client, clock: clock)
/// try await channel.send(message)   // throws ChannelError; ask it isRetryable
/// ```
public protocol NotificationChannel: Sendable {
    /// The channel's name in the configuration.
    var name: String { get }
    /// Sends one message.
    /// - Throws: ``ChannelError``, which says whether trying again can help.
    func send(_ message: OutboundMessage) async throws(ChannelError)
}

/// Why a send failed, and whether a retry can help.
public struct ChannelError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case rateLimited = "rate_limited"
        case serverError = "server_error"
        case rejected
        case timeout
        case network
        case configuration
        /// A 3xx: redirects are never followed (they would carry credentials and the alert elsewhere).
        case redirected
    }

    public var code: Code
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// How long the receiver asked us to wait (`Retry-After`).
    public var retryAfter: Duration?
    /// A few words on why (which hosts a redirect involved, what the receiver said); part of the
    /// description, and so of a dead letter's reason. Never a secret or a URL's path.
    public var detail: String?

    public init(_ code: Code, status: Int? = nil, retryAfter: Duration? = nil, detail: String? = nil) {
        self.code = code
        self.status = status
        self.retryAfter = retryAfter
        self.detail = detail
    }

    /// 429, 5xx, timeouts and network errors can pass; other 4xx, redirects and bad configuration will not.
    public var isRetryable: Bool {
        switch code {
        case .rateLimited, .serverError, .timeout, .network: true
        case .rejected, .configuration, .redirected: false
        }
    }

    /// The error for an HTTP status that is not 2xx.
    public static func forStatus(_ status: Int, retryAfter: Duration? = nil) -> ChannelError {
        switch status {
        case 429: ChannelError(.rateLimited, status: status, retryAfter: retryAfter)
        case 500...: ChannelError(.serverError, status: status, retryAfter: retryAfter)
        case 408: ChannelError(.timeout, status: status)
        case 300..<400: ChannelError(.redirected, status: status)
        default: ChannelError(.rejected, status: status)
        }
    }

    public var description: String { code.rawValue + (status.map { " (HTTP \($0))" } ?? "") + (detail.map { ": \($0)" } ?? "") }
}

/// One alert inside a message.
public struct AlertNotice: Sendable, Equatable, Codable {
    public var fingerprint: String
    public var rule: String
    public var severity: Severity
    public var summary: String
    public var campaignID: String
    public var labels: [String: String]
    /// When it started firing (or was found).
    public var since: Date?
    /// A link to the campaign, when `delivery.campaign_url` is configured.
    public var link: String? = nil

    public init(fingerprint: String, rule: String, severity: Severity, summary: String, campaignID: String, labels: [String: String], since: Date?,
                link: String? = nil) {
        self.link = link
        self.fingerprint = fingerprint
        self.rule = rule
        self.severity = severity
        self.summary = summary
        self.campaignID = campaignID
        self.labels = labels
        self.since = since
    }
}

/// What a channel sends: one or more alerts (a group) that are firing or resolved.
public struct OutboundMessage: Sendable, Equatable, Codable {
    /// Stable across retries and restarts, so a receiver can drop repeats.
    public var id: String
    public var status: OutboxMessage.Kind
    public var alerts: [AlertNotice]
    /// The labels the group shares (`group_by`).
    public var groupLabels: [String: String]
    public var createdAt: Date

    public init(id: String, status: OutboxMessage.Kind, alerts: [AlertNotice], groupLabels: [String: String] = [:], createdAt: Date) {
        self.id = id
        self.status = status
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.createdAt = createdAt
    }

    /// A message for one outbox entry.
    public init(_ entry: OutboxMessage, since: Date? = nil) {
        self.init(
            id: entry.id, status: entry.kind,
            alerts: [AlertNotice(fingerprint: entry.fingerprint, rule: entry.rule, severity: entry.severity, summary: entry.summary,
                                 campaignID: entry.campaignID, labels: entry.labels, since: since)],
            groupLabels: [:], createdAt: entry.createdAt
        )
    }

    /// The highest severity among the alerts.
    public var severity: Severity { alerts.map(\.severity).max() ?? .info }
}
