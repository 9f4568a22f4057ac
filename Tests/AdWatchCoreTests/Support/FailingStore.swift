@testable import AdWatchCore

/// A store whose writes fail, standing in for a full disk or a locked database.
struct FailingStore: AdWatchStore {
    struct Unavailable: Error {}

    func migrate() async throws {}
    func ping() async throws { throw Unavailable() }
    func close() async throws {}
    func accept(_ event: InboundEvent) async throws -> AcceptOutcome { throw Unavailable() }
    func event(id: String) async throws -> StoredEvent? { nil }
    func eventCount() async throws -> Int { 0 }
    func append(_ drafts: [AuditDraft]) async throws { throw Unavailable() }
    func records(from seq: Int64, limit: Int) async throws -> [AuditRecord] { [] }
}
