import AdWatchCore
import AdWatchSQLite
import AdWatchMemoryStore
import AdWatchApp
import AdWatchMockAds
import AdWatchDemo
import Foundation
import HTTPTypes
import InMemoryLogging
import Logging
import NIOCore

/// Shared helpers: fixed secrets, configs, temporary files and paths into the repository.
enum TestSupport {
    /// The Standard Webhooks specification's published test secret (also the sample config's demo secret).
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// A second secret, for rotation tests.
    static let rotatedSecret = "whsec_" + Data("a-second-secret-for-rotation-tests".utf8).base64EncodedString()
    /// A fixed instant for signatures and clocks.
    static let now = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01T00:00:00Z

    /// The repository root, found from this file's path (samples are not target resources).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func samplesURL(_ relative: String) -> URL {
        repositoryRoot.appendingPathComponent("samples").appendingPathComponent(relative)
    }

    /// `samples/config/invalid/EXPECTED.md` as file name → the message `check-config` must give.
    static func invalidSampleExpectations() throws -> [String: String] {
        let table = try String(contentsOf: samplesURL("config/invalid/EXPECTED.md"), encoding: .utf8)
        var expected: [String: String] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| ") && line.contains(".yaml") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            expected[cells[0]] = cells[1]
        }
        return expected
    }

    /// A fresh directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("adwatch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A one-source configuration using Standard Webhooks with the test secret.
    static func config(
        secrets: [String] = [standardSecret],
        maxBodyBytes: Int = 256 * 1024,
        rejectionsPerSecond: Double = 1000,
        rejectionBurst: Int = 1000
    ) -> AdWatchConfig {
        AdWatchConfig(
            server: ServerConfig(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes),
            sources: [SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: secrets.map(Secret.init(literal:)))],
            audit: AuditConfig(rejectionsPerSecond: rejectionsPerSecond, rejectionBurst: rejectionBurst)
        )
    }

    /// A flat campaign webhook body.
    static func campaignBody(id: Int = 5195, event: String = "campaign.updated", status: String = "IN_REVIEW", padding: String = "") -> [UInt8] {
        Array(#"{"event":"\#(event)","provider":"facebook","type":"record_streams","id":\#(id),"brand_id":246,"status":"\#(status)","note":"\#(padding)"}"#.utf8)
    }

    /// Headers for a Standard Webhooks delivery signed with `secret`.
    static func signedHeaders(body: [UInt8], id: String, at: Date = now, secret: String = standardSecret) -> HTTPFields {
        let scheme = SourceConfig(name: "s", scheme: .standardWebhooks, secrets: [Secret(literal: secret)]).makeScheme()
        var headers = scheme.sign(body: body, id: id, timestamp: at)
        headers[.contentType] = "application/json"
        return headers
    }
}

/// Captures log entries so tests can read back what would have been logged.
struct LogCapture {
    let handler = InMemoryLogHandler()

    var logger: Logger {
        var logger = Logger(label: "adwatch.test") { _ in handler }
        logger.logLevel = .trace
        return logger
    }

    /// Every entry rendered as text, message and metadata together.
    var renderedEntries: [String] {
        handler.entries.map { entry in
            let metadata = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(entry.level) \(entry.message) \(metadata)"
        }
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}

/// A SQLite file in its own temporary directory, removed with ``remove()``.
struct TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("adwatch.sqlite").path }

    init() throws {
        directory = try TestSupport.temporaryDirectory()
    }

    /// Opens the file as a migrated ``SQLiteStore``.
    func openStore() async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        return store
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
