@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// The built `adwatch`: usage and configuration errors print the message alone (no `Usage:` block),
/// name where in the file, never quote the offending line, and numbers out of range are clear errors.
@Suite(.timeLimit(.minutes(2)))
struct CommandErrorTests {
    static let secret = "s3cr3t-literal-Xq9"

    /// Runs the built `adwatch` with `arguments`; standard output and error together.
    static func run(_ arguments: [String]) throws -> (status: Int32, reason: Process.TerminationReason, output: String) {
        let process = Process()
        process.executableURL = ServeProcess.executable
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, String(decoding: output, as: UTF8.self))
    }

    /// A config whose `secrets:` line is malformed (an unclosed flow sequence) and holds a secret literal.
    static func malformedConfig(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("adwatch.yaml")
        let text = "server:\n  port: 0\nsources:\n  - name: symphony\n    scheme: github\n    secrets: [\"\(secret)\"\n"
        try Data(text.utf8).write(to: file)
        return file
    }

    static func goodConfig(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("good.yaml")
        try LifecycleTests.configText(database: directory.appendingPathComponent("adwatch.sqlite"), secret: TestSupport.standardSecret)
            .write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test(arguments: [["serve", "--config"], ["check-config"], ["events", "list", "--config"]])
    func aMalformedConfigIsNamedByPlaceNotByItsText(_ command: [String]) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try Self.malformedConfig(in: directory)
        let (status, reason, output) = try Self.run(command + [file.path])
        #expect(reason == .exit && status != 0, "\(output)")
        #expect(!output.contains(Self.secret), "leaked the line: \(output)")
        #expect(!output.contains("Usage:"), "\(output)")
        #expect(output.contains("not valid YAML"), "\(output)")
        #expect(output.range(of: "\(file.path):[0-9]+:[0-9]+", options: .regularExpression) != nil, "\(output)")
    }

    @Test func aRefusedReloadAuditsThePlaceNotTheLine() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite")
        let config = directory.appendingPathComponent("adwatch.yaml")
        try LifecycleTests.configText(database: database, secret: TestSupport.standardSecret).write(to: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config)
        try (LifecycleTests.configText(database: database, secret: TestSupport.standardSecret) + "\n  - name: other\n    secrets: [\"\(Self.secret)\"\n")
            .write(to: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        let log = try await server.waitForLog("configuration reload rejected")
        #expect(!log.contains(Self.secret))
        #expect(try await server.stop() == 0)
        let store = try SQLiteStore(path: database.path)
        let rejected = try await store.records(matching: { var q = AuditQuery(); q.kinds = ["config.reload_rejected"]; return q }(), limit: 10)
        #expect(rejected.count == 1)
        #expect(rejected.first.map { !$0.details.contains(Self.secret) } == true)
        #expect(rejected.first?.details.contains("\(config.path):") == true, "\(rejected.first?.details ?? "")")
        try await store.close()
    }

    @Test(arguments: [
        (["serve", "--config", "CONFIG", "--no-such-flag"], "Unknown option '--no-such-flag'"),
        (["audit", "list", "--config", "CONFIG", "--after", "9223372036854775807"], "--after must be a sequence number"),
        (["audit", "list", "--config", "CONFIG", "--after", "9223372036854775808"], "--after"),
        (["audit", "list", "--config", "CONFIG", "--limit", "9223372036854775807"], "--limit must be between 1 and 100000"),
        (["audit", "timeline", "--config", "CONFIG", "--campaign", "1", "--after=-1"], "--after must be a sequence number"),
        (["silence", "add", "--config", "CONFIG", "--matcher", "campaign_id=1", "--duration", "999999999999999d"], "longer than 100 years"),
        (["silence", "add", "--config", "CONFIG", "--matcher", "campaign_id=~" + String(repeating: "a", count: 300)], "at most 256 are allowed"),
    ])
    func aBadArgumentIsAClearErrorWithoutUsage(_ arguments: [String], _ expected: String) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.goodConfig(in: directory)
        let (status, reason, output) = try Self.run(arguments.map { $0 == "CONFIG" ? config.path : $0 })
        #expect(reason == .exit, "trapped: \(output)")
        #expect(status != 0)
        #expect(output.hasPrefix("Error: "), "\(output)")
        #expect(output.contains(expected), "\(output)")
        #expect(!output.contains("Usage:"), "\(output)")
    }

    @Test func helpStillPrintsUsage() throws {
        let (status, _, output) = try Self.run(["audit", "list", "--help"])
        #expect(status == 0)
        #expect(output.contains("USAGE:") || output.contains("Usage:"))
    }
}

/// The embedded store has one service: a second `adwatch serve` on the same file would release the
/// first one's claims (and send its messages again), so it is refused; one-off commands still work.
@Suite(.timeLimit(.minutes(2)))
struct ServiceLockTests {
    @Test func aSecondLockOnTheSameFileIsRefusedUntilTheFirstIsGone() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite").path
        var first: ServiceLock? = try ServiceLock(database: database)
        #expect(throws: ServiceLock.Held.self) { try ServiceLock(database: database) }
        withExtendedLifetime(first) {}
        first = nil
        _ = try ServiceLock(database: database)
        let mode = try FileManager.default.attributesOfItem(atPath: database + ".lock")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aSecondServeOnTheSameFileIsRefusedWithTheReason() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try CommandErrorTests.goodConfig(in: directory)
        let server = try ServeProcess(config: config)
        let (status, reason, output) = try CommandErrorTests.run(["serve", "--config", config.path])
        #expect(reason == .exit && status != 0, "\(output)")
        #expect(output.contains("another `adwatch serve` is using"), "\(output)")
        // The first one is untouched, and one-off commands on the file still work.
        let (listStatus, _, listOutput) = try CommandErrorTests.run(["events", "list", "--config", config.path])
        #expect(listStatus == 0, "\(listOutput)")
        #expect(try await server.stop() == 0)
    }
}
