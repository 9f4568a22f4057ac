import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation

/// `adwatch alerts list` and `adwatch silence add|list|expire`.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List alerts.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts by state (pending and firing by default).")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "Comma-separated states: pending, firing, resolved.")
        var state: String = "pending,firing"

        func run() async throws {
            var states = Set<AlertState>()
            for name in state.split(separator: ",") {
                guard let parsed = AlertState(rawValue: String(name)) else { throw ValidationError("unknown state \(name)") }
                states.insert(parsed)
            }
            let store = try await openStore(config)
            let alerts = try await store.alerts(states: states, limit: 1000)
            for alert in alerts {
                let since = (alert.firingSince ?? alert.activeSince).formatted(.iso8601)
                let held = alert.suppressedBy.map { "  (held: \($0))" } ?? ""
                print("\(alert.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) [\(alert.severity.rawValue)] \(alert.fingerprint)  since \(since)  \(alert.summary)\(held)")
            }
            print("\(alerts.count) alert\(alerts.count == 1 ? "" : "s")")
            try await store.close()
        }
    }
}

struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Hold back notifications for matching alerts.", subcommands: [Add.self, List.self, Expire.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a silence.")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "A label matcher, name=value or name=~regex; repeat for several (all must match).")
        var matcher: [String] = []

        @Option(name: .long, help: "How long, e.g. 2h (from now, or from --starts-at).")
        var duration: String = "2h"

        @Option(name: .long, help: "Who is silencing.")
        var author: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

        @Option(name: .long, help: "Why.")
        var comment: String = ""

        func run() async throws {
            let length: ConfigDuration
            do { length = try ConfigDuration(parsing: duration) } catch { throw ValidationError("--duration: \(error)") }
            let now = Date()
            let silence: Silence
            do {
                silence = try Silence.make(matchers: matcher, startsAt: now, endsAt: now.addingTimeInterval(length.seconds), author: author, comment: comment, now: now)
            } catch {
                throw ValidationError(error.description)
            }
            let store = try await openStore(config)
            do {
                try Silence.ensureRoom(notEnded: try await store.silences(notEndedAt: now).count)
            } catch let error as ConfigError {
                try await store.close()
                throw ValidationError(error.description)
            }
            try await store.addSilence(silence, audit: silence.createdAudit(at: now))
            print("\(silence.id) until \(silence.endsAt.formatted(.iso8601)): \(silence.matchers.map(\.description).joined(separator: ", "))")
            try await store.close()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List silences that have not ended.")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Flag(name: .long, help: "Include ended silences.")
        var all = false

        func run() async throws {
            let store = try await openStore(config)
            let silences = try await store.silences(notEndedAt: all ? nil : Date())
            for silence in silences {
                print("\(silence.id)  \(silence.startsAt.formatted(.iso8601)) → \(silence.endsAt.formatted(.iso8601))  \(silence.author)  "
                    + "\(silence.matchers.map(\.description).joined(separator: ", "))  \(silence.comment)")
            }
            print("\(silences.count) silence\(silences.count == 1 ? "" : "s")")
            try await store.close()
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now.")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "Who is ending it.")
        var author: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

        @Argument(help: "The silence id.")
        var id: String

        func run() async throws {
            let store = try await openStore(config)
            let now = Date()
            let expired = try await store.expireSilence(id: id, at: now, audit: Silence.expiredAudit(id: id, by: author, at: now))
            try await store.close()
            guard expired else {
                print("\(id): no active or future silence with this id")
                throw ExitCode(1)
            }
            print("\(id) expired")
        }
    }
}
