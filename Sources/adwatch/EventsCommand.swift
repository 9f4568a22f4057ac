import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation

/// `adwatch events list|replay`: the inbox as an operator sees it, and replay of failed events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List stored events by state, and replay events whose processing failed.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events in one state (failed by default).")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "pending, processing, processed, skipped or failed.")
        var state: String = "failed"

        @Option(name: .long, help: "At most this many events.")
        var limit: Int = 100

        func run() async throws {
            guard let state = EventState(rawValue: state) else {
                throw ValidationError("--state must be one of: \(EventState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let store = try await openStore(config)
            let events = try await store.events(in: state, limit: limit)
            for event in events {
                let received = event.receivedAt.formatted(.iso8601)
                print([event.id, received, event.source, event.eventType ?? "-", "campaign=\(event.campaignID ?? "-")",
                       "attempts=\(event.attempts)", event.lastError ?? ""].joined(separator: "  "))
            }
            print("\(events.count) \(state.rawValue) event\(events.count == 1 ? "" : "s")")
            try await store.close()
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make failed events pending again; the running service picks them up.")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "Who is replaying (recorded in the audit log).")
        var `operator`: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

        @Flag(name: .long, help: "Replay every failed event.")
        var all = false

        @Argument(help: "Event ids to replay.")
        var ids: [String] = []

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("name event ids, or pass --all") }
        }

        func run() async throws {
            let store = try await openStore(config)
            let targets = all ? try await store.events(in: .failed, limit: 100_000).map(\.id) : ids
            var replayed = 0
            for id in targets {
                // Tagged with the event's campaign so the replay shows in the campaign's timeline.
                let event = try await store.event(id: id)
                let draft = AuditDraft(
                    at: Date(), kind: .eventReplayed, source: event?.source, campaign: event?.campaignID, brand: event?.brandID,
                    details: ["event_id": .string(id), "operator": .string(`operator`)]
                )
                if try await store.replayEvent(id: id, at: Date(), audit: draft) {
                    replayed += 1
                } else {
                    print("\(id): no failed event with this id")
                }
            }
            print("replayed \(replayed) event\(replayed == 1 ? "" : "s")")
            try await store.close()
            if replayed < targets.count { throw ExitCode(1) }
        }
    }
}
