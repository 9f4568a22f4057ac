public import Foundation

/// A filter over the audit log; every field that is set must match.
public struct AuditQuery: Sendable, Equatable {
    public var kinds: Set<String> = []
    public var source: String?
    public var campaign: String?
    public var brand: String?
    public var alert: String?
    public var since: Date?
    public var until: Date?

    public init() {}

    public func matches(_ record: AuditRecord) -> Bool {
        (kinds.isEmpty || kinds.contains(record.kind)) && (source == nil || record.source == source) && (campaign == nil || record.campaign == campaign)
            && (brand == nil || record.brand == brand) && (alert == nil || record.alert == alert)
            && (since.map { record.at >= $0 } ?? true) && (until.map { record.at < $0 } ?? true)
    }
}

extension AuditLog {
    /// Records matching `query` with `seq >= from`, in order, at most `limit` (scans in pages).
    public func records(matching query: AuditQuery, from seq: Int64 = 0, limit: Int) async throws -> [AuditRecord] {
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
}

extension AuditRecord {
    /// One JSON object per line, for `adwatch audit export`.
    public var jsonLine: String {
        var object: [String: Any] = [
            "seq": seq, "at": at.formatted(.iso8601), "at_ms": atMilliseconds, "kind": kind, "prev_hash": prevHash, "hash": hash,
            "details": (try? JSONSerialization.jsonObject(with: Data(details.utf8))) ?? details,
        ]
        if let source { object["source"] = source }
        if let campaign { object["campaign"] = campaign }
        if let brand { object["brand"] = brand }
        if let alert { object["alert"] = alert }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
