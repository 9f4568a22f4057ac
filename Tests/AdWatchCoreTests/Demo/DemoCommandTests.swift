import Foundation
import NIOConcurrencyHelpers
import Testing

/// `adwatch demo` as a newcomer runs it: the built executable, to completion, telling the whole story.
@Suite(.timeLimit(.minutes(2)))
struct DemoCommandTests {
    /// What a child process wrote and how it ended.
    struct Finished {
        var status: Int32
        var output: String
        var errors: String
        var seconds: Double
    }

    /// Lets the timeout task reach the child process.
    final class Child: @unchecked Sendable {
        let process: Process
        init(process: Process) { self.process = process }
    }

    /// Runs the built `adwatch` with `arguments`, killing it when it takes longer than `limit`.
    static func run(_ arguments: [String], limit: Duration) async throws -> Finished? {
        let process = Process()
        process.executableURL = ServeProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = TestSupport.repositoryRoot
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let output = NIOLockedValueBox(Data())
        let errors = NIOLockedValueBox(Data())
        // Drain both pipes while it runs, so a full pipe never blocks the child.
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            output.withLockedValue { $0.append(chunk) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            errors.withLockedValue { $0.append(chunk) }
        }
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exit.finish() }
        let started = ContinuousClock.now
        try process.run()
        // Bound the wait: a demo that hangs is killed and reported, never waited on forever.
        let child = Child(process: process)
        let timedOut = NIOLockedValueBox(false)
        let killer = Task {
            try await Task.sleep(for: limit)
            timedOut.withLockedValue { $0 = true }
            child.process.terminate()
        }
        for await _ in exited {}
        killer.cancel()
        if timedOut.withLockedValue({ $0 }) { return nil }
        stdout.fileHandleForReading.readabilityHandler = nil
        stderr.fileHandleForReading.readabilityHandler = nil
        let restOut = stdout.fileHandleForReading.readDataToEndOfFile()
        let restErr = stderr.fileHandleForReading.readDataToEndOfFile()
        return Finished(
            status: process.terminationStatus,
            output: String(decoding: output.withLockedValue { $0 } + restOut, as: UTF8.self),
            errors: String(decoding: errors.withLockedValue { $0 } + restErr, as: UTF8.self),
            seconds: Double((ContinuousClock.now - started).components.seconds)
        )
    }

    @Test func theDemoRunsToCompletionAndNamesEveryAlertAsItFiresAndResolves() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let finished = try await Self.run(
            ["demo", "--fixtures", TestSupport.samplesURL("fixtures").path, "--directory", directory.path], limit: .seconds(60)
        )
        let run = try #require(finished, "adwatch demo did not end within a minute")
        #expect(run.status == 0, "exit \(run.status); stderr:\n\(run.errors)")
        #expect(run.seconds < 60)

        // Each notification, in the order the story causes them.
        let expected = [
            "🔔 FIRING in-review-too-long (warning) · campaign 7001",
            "✅ RESOLVED in-review-too-long · campaign 7001",
            "🔔 FIRING account-standing (critical) · campaign 7001",
            "✅ RESOLVED account-standing · campaign 7001",
            "🔔 FIRING spend-80 (warning) · campaign 7001",
        ]
        var rest = run.output[...]
        for line in expected {
            guard let found = rest.range(of: line) else {
                Issue.record("missing, or out of order: \(line)\n--- output ---\n\(run.output)")
                break
            }
            rest = rest[found.upperBound...]
        }
        // The console channel itself delivered each of them.
        #expect(run.output.contains("[WARNING] in-review-too-long · campaign 7001: Campaign 7001 has been in review for 1d"))
        #expect(run.output.contains("[CRITICAL] account-standing · campaign 7001"))
        #expect(run.output.contains("[RESOLVED] account-standing · campaign 7001"))
        #expect(run.output.contains("[WARNING] spend-80 · campaign 7001"))
        // Every webhook was signed well enough to be accepted, and the audit log holds together.
        #expect(run.output.components(separatedBy: "→ 202 accepted").count - 1 == 5)
        #expect(run.output.contains("hash chain intact"))
        // It ends with the command that opens what it did, on files that are really there.
        let config = directory.appendingPathComponent("adwatch.yaml").path
        #expect(run.output.contains("adwatch audit timeline --config \(config) --campaign 7001"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("adwatch.sqlite").path))
        let audit = try #require(try await Self.run(["audit", "timeline", "--config", config, "--campaign", "7001"], limit: .seconds(30)))
        #expect(audit.status == 0)
        #expect(audit.output.contains("alert.firing"))
        #expect(audit.output.contains("alert.resolved"))
    }

    @Test func withoutFixturesTheDemoSaysWhereToRunItFrom() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try #require(
            try await Self.run(["demo", "--fixtures", directory.appendingPathComponent("nowhere").path, "--directory", directory.path], limit: .seconds(30))
        )
        #expect(run.status == 1)
        #expect(run.errors.contains("--fixtures DIR"))
    }
}
