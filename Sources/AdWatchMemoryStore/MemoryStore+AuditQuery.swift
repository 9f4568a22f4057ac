public import AdWatchCore
extension MemoryStore {
    /// The same filter as the SQLite store's SQL, applied to the in-memory log.
    public func records(matching query: AuditQuery, from seq: Int64, limit: Int) async throws -> [AuditRecord] {
        Array(audit.lazy.filter { $0.seq >= seq && query.matches($0) }.prefix(limit))
    }
}
