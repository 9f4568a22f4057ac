public import Foundation

/// A filter over the audit log; every field that is set must match.
///
/// `campaign` and `alert` match a record that *concerns* the campaign or alert: its own column, or —
/// for delivery records, whose one message may carry several alerts — the comma-separated
/// `campaigns` / `alerts` lists in its details (see ``AuditDraft/tagging(alerts:)``).
public struct AuditQuery: Sendable, Equatable {
    /// An alert's timeline: records about the alert, plus the records of its campaign that are about
    /// no alert in particular (webhooks, fetches, refreshes).
    public struct AlertTimeline: Sendable, Equatable {
        public var fingerprint: String
        public var campaign: String?

        public init(fingerprint: String, campaign: String?) {
            self.fingerprint = fingerprint
            self.campaign = campaign
        }
    }

    public var kinds: Set<String> = []
    public var outcomes: Set<AuditOutcome> = []
    public var source: String?
    public var campaign: String?
    public var brand: String?
    public var alert: String?
    public var since: Date?
    public var until: Date?
    public var alertTimeline: AlertTimeline?

    public init() {}

    /// The timeline of one campaign: everything that concerns it, in order.
    public static func timeline(campaign: String) -> AuditQuery {
        var query = AuditQuery()
        query.campaign = campaign
        return query
    }

    /// Kinds whose details may list several campaigns and alerts.
    public static let listCarryingKinds: [String] = ([.deliveryQueued, .deliverySucceeded, .deliveryFailed, .deliveryDead, .deliveryReplayed] as [AuditKind])
        .map(\.rawValue)

    public func matches(_ record: AuditRecord) -> Bool {
        guard kinds.isEmpty || kinds.contains(record.kind) else { return false }
        guard outcomes.isEmpty || outcomes.contains(record.outcome) else { return false }
        guard source == nil || record.source == source, brand == nil || record.brand == brand else { return false }
        guard since.map({ record.at >= $0 }) ?? true, until.map({ record.at < $0 }) ?? true else { return false }
        let lists = Self.lists(of: record)
        func concernsCampaign(_ id: String) -> Bool { record.campaign == id || lists.campaigns.contains(id) }
        func concernsAlert(_ fingerprint: String) -> Bool { record.alert == fingerprint || lists.alerts.contains(fingerprint) }
        if let campaign, !concernsCampaign(campaign) { return false }
        if let alert, !concernsAlert(alert) { return false }
        if let timeline = alertTimeline {
            let aboutNoAlert = record.alert == nil && lists.alerts.isEmpty
            guard concernsAlert(timeline.fingerprint) || (timeline.campaign.map(concernsCampaign) == true && aboutNoAlert) else { return false }
        }
        return true
    }

    /// The kinds a record may have under `kinds` and `outcomes` together; nil when any kind may match
    /// (or when `other` asks for kinds outside the known set, which only a negative test can express).
    package var allowedKinds: Set<String>? {
        if outcomes.isEmpty { return kinds.isEmpty ? nil : kinds }
        if outcomes.contains(.other) { return kinds.isEmpty ? nil : kinds.filter { outcomes.contains(AuditOutcome(kind: $0)) } }
        let byOutcome = outcomes.reduce(into: Set<String>()) { $0.formUnion($1.kinds) }
        return kinds.isEmpty ? byOutcome : kinds.intersection(byOutcome)
    }

    static func lists(of record: AuditRecord) -> (campaigns: [String], alerts: [String]) {
        guard listCarryingKinds.contains(record.kind),
              let object = try? JSONSerialization.jsonObject(with: Data(record.details.utf8)) as? [String: Any]
        else { return ([], []) }
        func list(_ key: String) -> [String] { (object[key] as? String)?.split(separator: ",").map(String.init) ?? [] }
        return (list("campaigns"), list("alerts"))
    }
}

extension AuditLog {
    /// Records matching `query` with `seq >= from`, in order, at most `limit`.
    public func records(matching query: AuditQuery, limit: Int) async throws -> [AuditRecord] {
        try await records(matching: query, from: 0, limit: limit)
    }

    /// The reference implementation of ``AuditLog/records(matching:from:limit:)``: scans pages and
    /// filters in Swift. Stores answer from an index instead; this remains for logs without one.
    public func scanRecords(matching query: AuditQuery, from seq: Int64 = 0, limit: Int) async throws -> [AuditRecord] {
        var found: [AuditRecord] = []
        var next = seq
        while found.count < limit {
            let page = try await records(from: next, limit: 1000)
            found += page.filter(query.matches).prefix(limit - found.count)
            guard let last = page.last, page.count == 1000 else { break }
            next = last.seq + 1
        }
        return found
    }

    /// A page of matching records after the cursor (a sequence number), and the cursor of the next
    /// page when there is one.
    public func page(matching query: AuditQuery, after cursor: Int64?, limit: Int) async throws -> (records: [AuditRecord], nextCursor: Int64?) {
        let limit = min(max(1, limit), Int.max - 1)
        // Nothing comes after the largest sequence number there can be (and `+ 1` would trap).
        let (from, overflow) = (cursor ?? 0).addingReportingOverflow(1)
        if overflow { return ([], nil) }
        let found = try await records(matching: query, from: from, limit: limit + 1)
        let page = Array(found.prefix(limit))
        return (page, found.count > limit ? page.last?.seq : nil)
    }

    /// The query for an alert's timeline; the alert's campaign is taken from its first record.
    public func alertTimelineQuery(fingerprint: String) async throws -> AuditQuery {
        var probe = AuditQuery()
        probe.alert = fingerprint
        let first = try await records(matching: probe, limit: 1).first
        var query = AuditQuery()
        query.alertTimeline = .init(fingerprint: fingerprint, campaign: first?.campaign)
        return query
    }

    /// One record by its sequence number.
    public func record(seq: Int64) async throws -> AuditRecord? {
        try await records(from: seq, limit: 1).first.flatMap { $0.seq == seq ? $0 : nil }
    }
}

extension AuditRecord {
    /// The record as a JSON object: snake_case keys, details as an object, the derived `outcome`.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "seq": seq, "at": at.formatted(.iso8601), "at_ms": atMilliseconds, "kind": kind, "outcome": outcome.rawValue,
            "prev_hash": prevHash, "hash": hash,
            "details": (try? JSONSerialization.jsonObject(with: Data(details.utf8))) ?? details,
        ]
        if let source { object["source"] = source }
        if let campaign { object["campaign"] = campaign }
        if let brand { object["brand"] = brand }
        if let alert { object["alert"] = alert }
        return object
    }

    /// One JSON object per line, for `adwatch audit export`.
    public var jsonLine: String {
        let data = (try? JSONSerialization.data(withJSONObject: jsonObject, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
