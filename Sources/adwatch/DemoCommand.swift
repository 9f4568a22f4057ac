import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation
import Logging

/// `adwatch demo`: the whole service on loopback with the mock Ads API and the console channel,
/// walked through one campaign's life with a simulated clock.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run AdWatch on loopback with the mock Ads API and watch alerts fire and resolve (ends by itself in seconds).",
        discussion: """
            Starts the receiver on a temporary SQLite file, the mock Ads API on the fixtures and a console channel, then \
            sends signed webhooks for one campaign: created → a simulated day in review → approved → ad account unsettled → \
            settled → spend past 80 %. Prints each alert as it fires and resolves, and the commands to review the audit log.
            """
    )

    @Option(name: .long, help: "The mock Ads API's fixtures.")
    var fixtures: String = "samples/fixtures"

    @Option(name: .long, help: "Where to write the demo's config and SQLite file (default: a new temporary directory, kept).")
    var directory: String?

    @Option(name: .long, help: "The receiver's port (0 picks a free one).")
    var port: Int = 0

    @Flag(name: .long, help: "Keep the receiver (and its admin page) running after the scenario, until Ctrl-C.")
    var keepRunning = false

    @Option(name: .long, help: "Log level for the service's own logs on stderr.")
    var logLevel: String = "error"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        _ = try LoggingOptions.level(logLevel)
    }

    func run() async throws {
        let logger = LoggingOptions.bootstrap(label: "adwatch.demo", level: try LoggingOptions.level(logLevel))
        let options = DemoScenario.Options(
            fixtures: URL(fileURLWithPath: fixtures), directory: directory.map { URL(fileURLWithPath: $0) }, keepRunning: keepRunning, port: port
        )
        let demo = DemoScenario(options: options, say: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }, logger: logger)
        do {
            try await demo.run()
        } catch let failure as DemoScenario.Failure {
            FileHandle.standardError.write(Data("demo failed: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
