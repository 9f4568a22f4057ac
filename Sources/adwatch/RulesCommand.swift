import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation

/// `adwatch rules test`: a dry run of every rule on a campaign fixture.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Work with the configured rules.", subcommands: [Test.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print which rules would fire on a campaign fixture, and why.")

        @Option(name: .long, help: "The YAML configuration file (for the rules).")
        var config: String

        @Option(name: .long, help: "A campaign-details response (GET /v1/campaign/{id}), e.g. samples/fixtures/campaign-5195.json.")
        var campaign: String

        @Option(name: .long, help: "An analytics response (GET /v1/analytic/campaign/{id}) for spend and account standing.")
        var analytics: String?

        @Option(name: .long, help: "Evaluate as of this ISO 8601 time (default: now).")
        var at: String?

        func run() async throws {
            let settings = try loadConfig(config)
            let now: Date
            if let at {
                guard let parsed = try? Date(at, strategy: .iso8601) else { throw ValidationError("--at must be an ISO 8601 time such as 2025-05-21T12:00:00Z") }
                now = parsed
            } else {
                now = Date()
            }
            guard let details = FileManager.default.contents(atPath: campaign) else { throw ValidationError("cannot read \(campaign)") }
            let stats = try analytics.map { path in
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                return data
            }
            let evaluations = try RuleDryRun.evaluate(config: settings, details: details, analytics: stats, now: now)
            print(RuleDryRun.describe(evaluations))
        }
    }
}
