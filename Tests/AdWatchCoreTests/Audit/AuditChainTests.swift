@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import GRDB
import Testing

struct AuditChainTests {
    static func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        for index in 0..<count {
            let draft = AuditDraft(
                at: TestSupport.now.addingTimeInterval(Double(index)), kind: .webhookAccepted, source: "symphony",
                campaign: "\(5000 + index)", details: ["event_id": .string("evt_\(index)"), "size": .int(Int64(index))]
            )
            records.append(AuditChain.seal(draft, seq: Int64(index + 1), prevHash: records.last?.hash ?? AuditChain.genesisHash))
        }
        return records
    }

    static func verify(_ records: [AuditRecord]) -> AuditVerification {
        var verifier = AuditChain.Verifier()
        records.forEach { verifier.check($0) }
        return verifier.result
    }

    /// The canonical form is a contract (records written by earlier versions must still verify): this
    /// hash was computed independently by `Tests/Load/audit_fixture.py` (Python hashlib).
    @Test func hashesTheDocumentedCanonicalForm() {
        let record = AuditRecord(
            seq: 7, atMilliseconds: 1_764_547_200_123, kind: "webhook.accepted", source: "symphony", campaign: "5195", brand: nil,
            alert: "acct/5195", details: #"{"n":"é"}"#, prevHash: AuditChain.genesisHash, hash: ""
        )
        #expect(AuditChain.hash(of: record) == "363b8ec395e5f323bd4c0a531e3c7d6713f9deba4f8b3341c4ed30925d5b388c")
    }

    @Test func passesAnUntouchedChain() {
        #expect(Self.verify(Self.chain(10)) == AuditVerification(checkedRecords: 10, lastSeq: 10, problem: nil))
    }

    @Test func namesARecordWhoseDetailsChangedByOneByte() {
        var records = Self.chain(10)
        records[4].details = records[4].details.replacingOccurrences(of: "\"size\":4", with: "\"size\":5")
        #expect(Self.verify(records).problem?.seq == 5)
    }

    @Test func namesAnyChangedField() {
        let mutations: [(inout AuditRecord) -> Void] = [
            { $0.kind = "webhook.duplicate" }, { $0.source = nil }, { $0.campaign = "1" }, { $0.brand = "2" },
            { $0.alert = "x" }, { $0.atMilliseconds += 1 },
        ]
        for mutate in mutations {
            var records = Self.chain(5)
            mutate(&records[2])
            #expect(Self.verify(records).problem?.seq == 3)
        }
    }

    @Test func namesTheSequenceNumberOfARemovedRecord() {
        var records = Self.chain(10)
        records.remove(at: 6)  // seq 7
        let problem = Self.verify(records).problem
        #expect(problem?.seq == 7)
        #expect(problem?.reason.contains("missing") == true)
    }

    @Test func namesAnInsertedRecordEvenWhenItIsSealedAndRenumbered() {
        // An attacker inserts a forged record after seq 3 and renumbers the rest without the ability to re-hash them.
        let records = Self.chain(6)
        let forged = AuditChain.seal(AuditDraft(at: TestSupport.now, kind: .webhookAccepted, source: "forged"), seq: 4, prevHash: records[2].hash)
        var tampered = Array(records[0..<3]) + [forged]
        for var record in records[3...] {
            record.seq += 1
            tampered.append(record)
        }
        #expect(Self.verify(tampered).problem?.seq == 5)
    }

    @Test func detectsTamperingInTheSQLiteFile() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let path = database.path
        let store = try await database.openStore()
        try await store.append(Self.chain(5).map { AuditDraft(at: $0.at, kind: AuditKind(rawValue: $0.kind), source: $0.source, details: ["n": .string($0.details)]) })
        #expect(try await store.verify().isIntact)
        // Someone with the file drops the guard trigger and edits a record.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_append_only")
            try db.execute(sql: "UPDATE audit_log SET source = 'edited' WHERE seq = 3")
        }
        try queue.close()
        let verification = try await store.verify()
        #expect(verification.problem?.seq == 3)
        #expect(verification.checkedRecords == 2)
        try await store.close()
    }

    enum Tamper: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case changeOneByteOfDetails, deleteARecord, insertARecord
        var testDescription: String { rawValue }
    }

    /// Against a real SQLite file, as someone holding the file would tamper with it: the guard trigger
    /// dropped, then one byte of seq 5's details changed, seq 5 deleted, or a forged, correctly sealed
    /// record inserted as seq 5 with the rest renumbered. Each is named at the right sequence number.
    @Test(arguments: Tamper.allCases)
    func verifyNamesTamperingInTheSQLiteFileAtTheRightSeq(_ tamper: Tamper) async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        try await store.append(Self.chain(10).map { AuditDraft(at: $0.at, kind: .webhookAccepted, source: $0.source, campaign: $0.campaign, details: ["n": .int($0.seq)]) })
        let untouched = try await store.verify()
        #expect(untouched == AuditVerification(checkedRecords: 10, lastSeq: 10, problem: nil))
        let before = try #require(try await store.record(seq: 4))
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_append_only")
            try db.execute(sql: "DROP TRIGGER audit_log_prune_only")
            switch tamper {
            case .changeOneByteOfDetails:
                try db.execute(sql: #"UPDATE audit_log SET details = '{"n":6}' WHERE seq = 5"#)
            case .deleteARecord:
                try db.execute(sql: "DELETE FROM audit_log WHERE seq = 5")
            case .insertARecord:
                try db.execute(sql: "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5")
                try db.execute(sql: "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000")
                let forged = AuditChain.seal(AuditDraft(at: TestSupport.now, kind: .silenceExpired, details: ["forged": true]), seq: 5, prevHash: before.hash)
                try db.execute(
                    sql: "INSERT INTO audit_log (seq, at_ms, kind, source, campaign, brand, alert, details, prev_hash, hash) VALUES (?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, ?)",
                    arguments: [forged.seq, forged.atMilliseconds, forged.kind, forged.details, forged.prevHash, forged.hash]
                )
            }
        }
        try queue.close()
        let verification = try await store.verify()
        try await store.close()
        switch tamper {
        case .changeOneByteOfDetails:
            #expect(verification.problem?.seq == 5)
            #expect(verification.problem?.reason.contains("altered") == true)
        case .deleteARecord:
            #expect(verification.problem?.seq == 5)
            #expect(verification.problem?.reason.contains("missing") == true)
        case .insertARecord:
            // The forged record chains onto seq 4 correctly; the old seq 5 (now 6) no longer chains onto it.
            #expect(verification.problem?.seq == 6)
            #expect(verification.problem?.reason.contains("prev_hash") == true)
        }
        #expect(verification.isIntact == false)
    }
}
