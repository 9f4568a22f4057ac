import AdWatchCore
import ArgumentParser
import Logging

/// The `adwatch` command: parses arguments, bootstraps logging once, and hands over to `AdWatchCore`.
@main
struct AdWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adwatch",
        abstract: "Receives ad campaign webhooks, verifies them, and keeps a tamper-evident audit log.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, SendCommand.self, EventsCommand.self, RulesCommand.self, AlertsCommand.self, SilenceCommand.self, RoutesCommand.self, DeliveriesCommand.self, AuditCommand.self, MockAPICommand.self, DemoCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// Options every subcommand that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        _ = try Self.level(logLevel)
    }

    /// Bootstraps swift-log once for the process and returns the root logger.
    func bootstrap(label: String) -> Logger {
        Self.bootstrap(label: label, level: Logger.Level(rawValue: logLevel) ?? .info)
    }

    /// The level named `text`, or a usage error listing the levels.
    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// Bootstraps swift-log once for the process, writing to stderr at `level`, and returns the root logger.
    static func bootstrap(label: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
