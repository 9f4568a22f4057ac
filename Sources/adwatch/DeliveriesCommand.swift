import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation

/// `adwatch routes test` and `adwatch deliveries list|replay`.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "Work with the notification routes.", subcommands: [Test.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print which channels an alert with these labels would reach.")

        @Option(name: .long, help: "The YAML configuration file (for the routes).")
        var config: String

        @Option(name: .long, help: "Comma-separated labels, e.g. severity=critical,brand_id=246.")
        var labels: String

        @Flag(name: .long, help: "Route a resolved notification instead of a firing one.")
        var resolved = false

        func run() throws {
            let settings = try loadConfig(config)
            var parsed: [String: String] = [:]
            for pair in labels.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("'\(pair)' is not name=value") }
                parsed[String(parts[0])] = String(parts[1])
            }
            let router = AlertRouter(routes: settings.routes)
            let routes = router.routes(for: parsed, kind: resolved ? .resolved : .firing)
            for index in routes {
                print("route \(index + 1): \(settings.routes[index].channels.joined(separator: ", "))")
            }
            print(routes.isEmpty ? "no route matches: the alert reaches no channel" : "channels: \(router.channels(for: parsed, kind: resolved ? .resolved : .firing).joined(separator: ", "))")
        }
    }
}

struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "Inspect and replay deliveries.", subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries (pending by default; --dead for the dead letter).")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Flag(name: .long, help: "Show the dead letter.")
        var dead = false

        @Option(name: .long, help: "pending, sending, sent or dead.")
        var state: String?

        func run() async throws {
            let chosen = dead ? Delivery.State.dead : Delivery.State(rawValue: state ?? "pending")
            guard let chosen else { throw ValidationError("--state must be one of: \(Delivery.State.allCases.map(\.rawValue).joined(separator: ", "))") }
            let store = try await openStore(config)
            let deliveries = try await store.deliveries(in: chosen, limit: 1000)
            for delivery in deliveries {
                print("\(delivery.id)  \(delivery.channel)  \(delivery.message.status.rawValue)  \(delivery.message.alerts.count) alert(s)  "
                    + "attempts=\(delivery.attempts)  \(delivery.lastError ?? "")")
            }
            print("\(deliveries.count) \(chosen.rawValue) deliver\(deliveries.count == 1 ? "y" : "ies")")
            try await store.close()
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send dead deliveries again; the running service picks them up.")

        @Option(name: .long, help: "The YAML configuration file (for the store).")
        var config: String

        @Option(name: .long, help: "Who is replaying (recorded in the audit log).")
        var `operator`: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

        @Flag(name: .long, help: "Replay the whole dead letter.")
        var all = false

        @Argument(help: "Delivery ids.")
        var ids: [String] = []

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("name delivery ids, or pass --all") }
        }

        func run() async throws {
            let store = try await openStore(config)
            let targets = all ? try await store.deliveries(in: .dead, limit: 100_000).map(\.id) : ids
            var replayed = 0
            for id in targets {
                if try await store.replayDelivery(id: id, at: Date(), by: `operator`) { replayed += 1 } else { print("\(id): no dead delivery with this id") }
            }
            print("replayed \(replayed) deliver\(replayed == 1 ? "y" : "ies")")
            try await store.close()
            if replayed < targets.count { throw ExitCode(1) }
        }
    }
}
