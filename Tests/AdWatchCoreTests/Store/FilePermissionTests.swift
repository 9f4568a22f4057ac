@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// The database holds webhook bodies, headers and the audit log: owner-only, whatever the umask.
@Suite(.serialized)
struct FilePermissionTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theDatabaseAndItsWALAndSHMAreCreated0600UnderAPermissiveUmask() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let previous = umask(0)  // the most permissive: files would be 0644 or 0666 by default
        defer { umask(previous) }
        let store = try await database.openStore()
        try await store.append([AuditDraft(at: TestSupport.now, kind: .configReloaded, details: [:])])
        for suffix in ["", "-wal", "-shm"] {
            let path = database.path + suffix
            #expect(FileManager.default.fileExists(atPath: path), "\(suffix)")
            let mode = try Self.mode(path)
            #expect(mode == 0o600, "\(path) is \(String(mode, radix: 8))")
        }
        try await store.close()
    }
}
