import AdWatchCore
import ArgumentParser
import Logging

/// The `adwatch` command: parses arguments, bootstraps logging once, and hands over to `AdWatchCore`.
@main
struct AdWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adwatch",
        abstract: "Receives ad campaign webhooks, verifies them, and keeps a tamper-evident audit log.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, SendCommand.self, EventsCommand.self, RulesCommand.self, AlertsCommand.self, SilenceCommand.self, RoutesCommand.self, DeliveriesCommand.self, AuditCommand.self, MockAPICommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// Options every subcommand that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Bootstraps swift-log once for the process and returns the root logger.
    func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
