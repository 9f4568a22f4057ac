import Foundation
import NIOConcurrencyHelpers

/// The built `adwatch serve` as a child process, with its log (standard error) collected for assertions.
final class ServeProcess: @unchecked Sendable {
    /// The `adwatch` executable SwiftPM built next to this test binary.
    static var executable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("adwatch")
    }

    struct DidNotHappen: Error, CustomStringConvertible {
        var what: String
        var log: String
        var description: String { "adwatch serve: \(what)\n--- log ---\n\(log)" }
    }

    private let process: Process
    private let output = NIOLockedValueBox("")
    /// The port the server listens on (the config should ask for port 0).
    let port: Int

    init(config: URL) throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--config", config.path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        self.process = process
        try process.run()
        // The server logs "listening on http(s)://127.0.0.1:<port>" once it accepts connections.
        var found: Int?
        while found == nil {
            let chunk = stderr.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }  // EOF: the process ended
            let text = output.withLockedValue { $0 += String(decoding: chunk, as: UTF8.self); return $0 }
            if let range = text.range(of: "listening on http://127.0.0.1:") ?? text.range(of: "listening on https://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else { throw DidNotHappen(what: "did not start", log: output.withLockedValue { $0 }) }
        port = found
        // Keep draining the pipe so the child never blocks on a full stderr, and keep what it says.
        stderr.fileHandleForReading.readabilityHandler = { [output] handle in
            let chunk = handle.availableData
            output.withLockedValue { $0 += String(decoding: chunk, as: UTF8.self) }
        }
    }

    /// Everything the process logged so far.
    var log: String { output.withLockedValue { $0 } }

    var isRunning: Bool { process.isRunning }

    /// Sends a Unix signal (SIGHUP, SIGTERM, …).
    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits until the log has `text` more than `count` times (polling the collected output, bounded).
    @discardableResult
    func waitForLog(_ text: String, moreThan count: Int = 0, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let log = self.log
            if log.components(separatedBy: text).count - 1 > count { return log }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DidNotHappen(what: "never logged '\(text)'", log: log)
    }

    /// Waits for the process to end and returns its exit status.
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw DidNotHappen(what: "did not exit within \(timeout)", log: log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then waits for the exit.
    @discardableResult
    func stop() async throws -> Int32 {
        signal(SIGTERM)
        return try await waitForExit()
    }
}
