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
            atMilliseconds: CheckedTime.int64(clamping: (draft.at.timeIntervalSince1970 * 1000).rounded()),
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
    ///
    /// The canonical bytes are assembled in one buffer (no intermediate strings): this runs once per
    /// record written and once per record verified.
    public static func hash(of record: AuditRecord) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            160 + record.kind.utf8.count + record.details.utf8.count + (record.source?.utf8.count ?? 0) + (record.campaign?.utf8.count ?? 0)
                + (record.brand?.utf8.count ?? 0) + (record.alert?.utf8.count ?? 0)
        )
        bytes.append(contentsOf: "adwatch-audit-v1\n".utf8)
        bytes.append(contentsOf: String(record.seq).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: String(record.atMilliseconds).utf8)
        bytes.append(0x0A)
        for value in [record.kind, record.source, record.campaign, record.brand, record.alert, record.details] {
            if let value {
                bytes.append(contentsOf: String(value.utf8.count).utf8)
                bytes.append(0x3A)  // ":"
                bytes.append(contentsOf: value.utf8)
                bytes.append(0x0A)
            } else {
                bytes.append(contentsOf: "-\n".utf8)
            }
        }
        bytes.append(contentsOf: record.prevHash.utf8)
        return ByteEncoding.hex(Digest.sha256(bytes))
    }

    /// Checks records in order; call repeatedly with consecutive pages.
    public struct Verifier: Sendable {
        public private(set) var checked = 0
        public private(set) var lastSeq: Int64?
        public private(set) var lastHash: String?
        public private(set) var problem: AuditVerification.Problem?
        /// Where the chain starts: the retention checkpoint, or before record 1.
        public let checkpoint: AuditCheckpoint?
        private var checkpointAttested = false

        public init(checkpoint: AuditCheckpoint? = nil) {
            self.checkpoint = checkpoint
        }

        /// Feeds the next record; after the first problem further records are ignored.
        public mutating func check(_ record: AuditRecord) {
            guard problem == nil else { return }
            let expectedSeq = (lastSeq ?? checkpoint?.seq ?? 0) + 1
            let expectedPrev = lastHash ?? checkpoint?.hash ?? AuditChain.genesisHash
            if record.seq > expectedSeq {
                let reason =
                    lastSeq == nil && checkpoint == nil
                    ? "records \(expectedSeq)…\(record.seq - 1) are missing and no retention checkpoint accounts for them"
                    : "record \(expectedSeq) is missing"
                problem = .init(seq: expectedSeq, reason: reason)
                return
            }
            if record.seq < expectedSeq {
                let reason =
                    lastSeq == nil
                    ? "record \(record.seq) is older than the retention checkpoint (through \(expectedSeq - 1)): the checkpoint was moved"
                    : "sequence goes backwards"
                problem = .init(seq: record.seq, reason: reason)
                return
            }
            if record.prevHash != expectedPrev {
                let reason: String
                if let lastSeq {
                    reason = "prev_hash does not match record \(lastSeq): a record was removed, inserted or changed"
                } else if checkpoint != nil {
                    reason = "the first record does not continue from the retention checkpoint"
                } else {
                    reason = "the first record does not start from the genesis hash"
                }
                problem = .init(seq: record.seq, reason: reason)
                return
            }
            if AuditChain.hash(of: record) != record.hash {
                problem = .init(seq: record.seq, reason: "contents do not match the record's hash: the record was altered")
                return
            }
            if let checkpoint, !checkpointAttested, checkpoint.isAttested(by: record) {
                checkpointAttested = true
            }
            checked += 1
            lastSeq = record.seq
            lastHash = record.hash
        }

        /// The verdict on what was fed so far; with a checkpoint, the chain must contain its `audit.pruned` record.
        public var result: AuditVerification {
            var problem = problem
            if problem == nil, let checkpoint, !checkpointAttested {
                problem = .init(
                    seq: checkpoint.seq + 1,
                    reason: "no audit.pruned record attests the retention checkpoint (through record \(checkpoint.seq)): the checkpoint was altered or records were removed"
                )
            }
            return AuditVerification(checkedRecords: checked, lastSeq: lastSeq, problem: problem, checkpoint: checkpoint)
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
    /// The retention checkpoint the check started from, if records were pruned.
    public var checkpoint: AuditCheckpoint?
    public var isIntact: Bool { problem == nil }

    public init(checkedRecords: Int, lastSeq: Int64?, problem: Problem?, checkpoint: AuditCheckpoint? = nil) {
        self.checkedRecords = checkedRecords
        self.lastSeq = lastSeq
        self.problem = problem
        self.checkpoint = checkpoint
    }
}
