import AdWatchCore
import ArgumentParser
import Foundation
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
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: logging.level of the config, else info).")
    var logLevel: String?

    @Option(name: .long, help: "Log format: auto (JSON unless standard error is a terminal), json or text (default: logging.format of the config, else auto).")
    var logFormat: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let logFormat, LoggingConfig.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be one of: auto, json, text")
        }
    }

    /// Bootstraps swift-log once for the process and returns the root logger; flags win over `config`.
    func bootstrap(label: String, config: LoggingConfig = LoggingConfig()) -> Logger {
        let level = Logger.Level(rawValue: logLevel ?? config.level) ?? .info
        var settings = config
        if let format = logFormat.flatMap(LoggingConfig.Format.init(rawValue:)) { settings.format = format }
        let json = settings.writesJSON(isTerminal: isatty(STDERR_FILENO) == 1)
        LoggingSystem.bootstrap { label in
            if json {
                return JSONLogHandler(label: label, level: level)
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
