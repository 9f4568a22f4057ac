import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Logging
import Foundation

/// `adwatch audit verify|list|show|timeline|export`: reviewing the hash-chained audit log from the shell.
///
/// Each command opens the SQLite file itself, so it works on a running service's file (WAL readers do
/// not block the writer) and on a copy made with `sqlite3 … ".backup …"` while the service is stopped.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Review and verify the audit log.", subcommands: [Verify.self, List.self, Show.self, Timeline.self, Export.self, Prune.self]
    )

    struct Filters: ParsableArguments {
        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String
        @Option(name: .long, help: "Only this kind (repeatable), e.g. webhook.rejected.")
        var kind: [String] = []
        @Option(name: .long, help: "Only this outcome (repeatable): \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", ")).")
        var outcome: [String] = []
        @Option(name: .long) var source: String?
        @Option(name: .long) var campaign: String?
        @Option(name: .long) var brand: String?
        @Option(name: .long, help: "An alert fingerprint.") var alert: String?
        @Option(name: .long, help: "ISO 8601 start (inclusive).") var since: String?
        @Option(name: .long, help: "ISO 8601 end (exclusive).") var until: String?

        func query() throws -> AuditQuery {
            var query = AuditQuery()
            query.kinds = Set(kind)
            query.outcomes = try Set(outcome.map { name in
                guard let value = AuditOutcome(rawValue: name) else {
                    throw ValidationError("unknown outcome '\(name)'; one of \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return value
            })
            query.source = source
            query.campaign = campaign
            query.brand = brand
            query.alert = alert
            query.since = try since.map(Self.date)
            query.until = try until.map(Self.date)
            return query
        }

        static func date(_ text: String) throws -> Date {
            guard let date = try? Date(text, strategy: .iso8601) else { throw ValidationError("'\(text)' is not an ISO 8601 time") }
            return date
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run retention now: audit records past audit.retention (behind a checkpoint), settled events, old dedup keys."
        )
        @Option(name: .long, help: "The YAML configuration file (store and audit.retention).") var config: String

        func run() async throws {
            let settings = try loadConfig(config)
            let store = try await openStore(config)
            let started = ContinuousClock.now
            var logger = Logger(label: "adwatch.audit")
            logger.logLevel = .warning  // the summary below says what happened
            let removed = try await RetentionService(store: store, config: settings, clock: SystemWallClock(), logger: logger).runOnce()
            let elapsed = ContinuousClock.now - started
            let checkpoint = try await store.auditCheckpoint()
            try await store.close()
            print(
                "pruned \(removed.auditRecords) audit records, \(removed.events) settled events, \(removed.dedupKeys) dedup keys older than \(settings.audit.retention) in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
                    + (checkpoint.map { "; the chain now starts after seq \($0.seq)" } ?? "")
            )
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the hash chain; exit 1 naming the first altered, removed or inserted record.")
        @Option(name: .long, help: "The YAML configuration file (for the store).") var config: String

        func run() async throws {
            let store = try await openStore(config)
            let result = try await store.verify()
            try await store.close()
            if let problem = result.problem {
                print("BROKEN at seq \(problem.seq): \(problem.reason) (\(result.checkedRecords) records verified before it)")
                throw ExitCode(1)
            }
            let start = result.checkpoint.map { ", from the retention checkpoint after seq \($0.seq) (pruned \($0.prunedAt.formatted(.iso8601)))" } ?? ""
            print("intact: \(result.checkedRecords) records\(result.lastSeq.map { ", last seq \($0)" } ?? "")\(start)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, oldest first, a page at a time.")
        @OptionGroup var filters: Filters
        @Option(name: .long, help: "table or json (one object per line).") var format: OutputFormat = .table
        @Option(name: .long) var limit: Int = 100
        @Option(name: .long, help: "The cursor: start after this sequence number.") var after: Int64 = 0

        func validate() throws { try AuditCommand.validatePaging(after: after, limit: limit) }

        func run() async throws {
            let store = try await openStore(filters.config)
            let page = try await store.page(matching: try filters.query(), after: after, limit: limit)
            try await store.close()
            printRecords(page.records, format: format, nextCursor: page.nextCursor)
        }
    }

    struct Timeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What happened to a campaign or an alert: webhooks, verification, dedup, fetches, rule decisions, deliveries, operator actions."
        )
        @Option(name: .long, help: "The YAML configuration file (for the store).") var config: String
        @Option(name: .long, help: "A campaign id.") var campaign: String?
        @Option(name: .long, help: "An alert fingerprint, e.g. account-standing/5195.") var alert: String?
        @Option(name: .long, help: "table or json (one object per line).") var format: OutputFormat = .table
        @Option(name: .long) var limit: Int = 1000
        @Option(name: .long, help: "The cursor: start after this sequence number.") var after: Int64 = 0

        func validate() throws {
            if (campaign == nil) == (alert == nil) { throw ValidationError("give --campaign ID or --alert FINGERPRINT") }
            try AuditCommand.validatePaging(after: after, limit: limit)
        }

        func run() async throws {
            let store = try await openStore(config)
            var query = AuditQuery.timeline(campaign: campaign ?? "")
            if let alert { query = try await store.alertTimelineQuery(fingerprint: alert) }
            let page = try await store.page(matching: query, after: after, limit: limit)
            try await store.close()
            printRecords(page.records, format: format, nextCursor: page.nextCursor)
        }
    }

    /// `--after` is a sequence number (the next page starts after it); `--limit` a page size.
    static func validatePaging(after: Int64, limit: Int) throws {
        guard after >= 0, after < Int64.max else { throw ValidationError("--after must be a sequence number from 0 to \(Int64.max - 1)") }
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
    }

    enum OutputFormat: String, ExpressibleByArgument {
        case table, json
    }

    static func tableLine(_ record: AuditRecord) -> String {
        [
            String(record.seq), record.at.formatted(.iso8601), record.kind, record.outcome.rawValue, record.source ?? "-",
            "campaign=\(record.campaign ?? "-")", "alert=\(record.alert ?? "-")", record.details,
        ].joined(separator: "  ")
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one record.")
        @Option(name: .long, help: "The YAML configuration file (for the store).") var config: String
        @Argument var seq: Int64

        func run() async throws {
            let store = try await openStore(config)
            let record = try await store.records(from: seq, limit: 1).first
            try await store.close()
            guard let record, record.seq == seq else {
                print("no record \(seq)")
                throw ExitCode(1)
            }
            print(record.jsonLine)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write matching records as JSON lines to standard output.")
        @OptionGroup var filters: Filters

        func run() async throws {
            let store = try await openStore(filters.config)
            let query = try filters.query()
            var cursor: Int64 = 0
            // Page through so a long log streams instead of being held in memory.
            while true {
                let page = try await store.records(matching: query, from: cursor + 1, limit: 1000)
                for record in page { print(record.jsonLine) }
                guard let last = page.last, page.count == 1000 else { break }
                cursor = last.seq
            }
            try await store.close()
        }
    }
}

/// Prints records as a table (with the next page's cursor) or as JSON lines.
func printRecords(_ records: [AuditRecord], format: AuditCommand.OutputFormat, nextCursor: Int64?) {
    for record in records {
        print(format == .json ? record.jsonLine : AuditCommand.tableLine(record))
    }
    if format == .table {
        print(nextCursor.map { "next page: --after \($0)" } ?? "\(records.count) record\(records.count == 1 ? "" : "s"), end of results")
    }
}
