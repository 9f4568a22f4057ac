import Foundation

/// The hash chain over audit records: how a record is sealed and how a sequence is verified.
///
/// The canonical form lists every field, length-prefixed so no two records share a form:
/// ```
/// adwatch-audit-v1
/// <seq>
/// <at_ms>
/// <len>:<kind>
/// <len>:<source> or -      (likewise campaign, brand, alert)
/// <len>:<details JSON>
/// <prev_hash>
/// ```
public enum AuditChain {
    /// The `prevHash` of the first record ever written.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Seals a draft as record `seq` after `prevHash`.
    public static func seal(_ draft: AuditDraft, seq: Int64, prevHash: String) -> AuditRecord {
        var record = AuditRecord(
            seq: seq,
            atMilliseconds: Int64((draft.at.timeIntervalSince1970 * 1000).rounded()),
            kind: draft.kind.rawValue,
            source: draft.source,
            campaign: draft.campaign,
            brand: draft.brand,
            alert: draft.alert,
            details: draft.detailsJSON,
            prevHash: prevHash,
            hash: ""
        )
        record.hash = hash(of: record)
        return record
    }

    /// The hash a record should carry, computed from its fields and `prevHash`.
    public static func hash(of record: AuditRecord) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "-\n" }
            return "\(value.utf8.count):\(value)\n"
        }
        let canonical =
            "adwatch-audit-v1\n\(record.seq)\n\(record.atMilliseconds)\n" + field(record.kind) + field(record.source)
            + field(record.campaign) + field(record.brand) + field(record.alert) + field(record.details) + record.prevHash
        return ByteEncoding.hex(Digest.sha256(Array(canonical.utf8)))
    }

    /// Checks records in order; call repeatedly with consecutive pages.
    public struct Verifier: Sendable {
        public private(set) var checked = 0
        public private(set) var lastSeq: Int64?
        public private(set) var lastHash: String?
        public private(set) var problem: AuditVerification.Problem?

        public init() {}

        /// Feeds the next record; after the first problem further records are ignored.
        public mutating func check(_ record: AuditRecord) {
            guard problem == nil else { return }
            if let lastSeq, let lastHash {
                if record.seq != lastSeq + 1 {
                    problem = .init(seq: lastSeq + 1, reason: record.seq > lastSeq + 1 ? "record \(lastSeq + 1) is missing" : "sequence goes backwards")
                    return
                }
                if record.prevHash != lastHash {
                    problem = .init(seq: record.seq, reason: "prev_hash does not match record \(lastSeq): a record was removed, inserted or changed")
                    return
                }
            } else if record.seq == 1 && record.prevHash != AuditChain.genesisHash {
                problem = .init(seq: 1, reason: "the first record does not start from the genesis hash")
                return
            }
            if AuditChain.hash(of: record) != record.hash {
                problem = .init(seq: record.seq, reason: "contents do not match the record's hash: the record was altered")
                return
            }
            checked += 1
            lastSeq = record.seq
            lastHash = record.hash
        }

        public var result: AuditVerification {
            AuditVerification(checkedRecords: checked, lastSeq: lastSeq, problem: problem)
        }
    }
}

/// The outcome of verifying the audit chain.
public struct AuditVerification: Sendable, Equatable, Codable {
    /// The first place the chain breaks.
    public struct Problem: Sendable, Equatable, Codable {
        /// The sequence number of the first record that was altered, removed or inserted.
        public var seq: Int64
        public var reason: String
    }

    public var checkedRecords: Int
    public var lastSeq: Int64?
    public var problem: Problem?
    public var isIntact: Bool { problem == nil }
}
