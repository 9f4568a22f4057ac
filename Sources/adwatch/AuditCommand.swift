import AdWatchCore
import ArgumentParser
import Foundation

/// `adwatch audit verify|list|show|export`: reviewing the hash-chained audit log from the shell.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Review and verify the audit log.", subcommands: [Verify.self, List.self, Show.self, Export.self]
    )

    struct Filters: ParsableArguments {
        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String
        @Option(name: .long, help: "Only this kind (repeatable), e.g. webhook.rejected.")
        var kind: [String] = []
        @Option(name: .long) var source: String?
        @Option(name: .long) var campaign: String?
        @Option(name: .long) var brand: String?
        @Option(name: .long, help: "An alert fingerprint.") var alert: String?
        @Option(name: .long, help: "ISO 8601 start (inclusive).") var since: String?
        @Option(name: .long, help: "ISO 8601 end (exclusive).") var until: String?

        func query() throws -> AuditQuery {
            var query = AuditQuery()
            query.kinds = Set(kind)
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
            print("intact: \(result.checkedRecords) records\(result.lastSeq.map { ", last seq \($0)" } ?? "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, oldest first.")
        @OptionGroup var filters: Filters
        @Option(name: .long, help: "table or json.") var format: String = "table"
        @Option(name: .long) var limit: Int = 100
        @Option(name: .long, help: "Start at this sequence number (cursor).") var after: Int64 = 0

        func run() async throws {
            let store = try await openStore(filters.config)
            let records = try await store.records(matching: try filters.query(), from: after + 1, limit: limit)
            try await store.close()
            for record in records {
                if format == "json" {
                    print(record.jsonLine)
                } else {
                    print("\(record.seq)  \(record.at.formatted(.iso8601))  \(record.kind)  \(record.source ?? "-")  campaign=\(record.campaign ?? "-")  \(record.details)")
                }
            }
            if format != "json", let last = records.last { print("next page: --after \(last.seq)") }
        }
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
            let records = try await store.records(matching: try filters.query(), limit: .max)
            try await store.close()
            for record in records { print(record.jsonLine) }
        }
    }
}
