import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation
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

    /// Parses and runs the command. A usage or configuration error prints its message alone:
    /// ArgumentParser's own handling adds a `Usage:` block that buries the message. Help still prints
    /// as usual, and an `ExitCode` thrown by a command exits quietly with its code.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let text = message(for: error)
            if code == .success || text.isEmpty { Self.exit(withError: error) }
            FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}

/// Options every subcommand that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: logging.level of the config, else info).")
    var logLevel: String?

    @Option(name: .long, help: "Log format: auto (JSON unless standard error is a terminal), json or text (default: logging.format of the config, else auto).")
    var logFormat: String?

    func validate() throws {
        if let logLevel { _ = try Self.level(logLevel) }
        if let logFormat, LoggingConfig.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be one of: auto, json, text")
        }
    }

    /// Bootstraps swift-log once for the process and returns the root logger; flags win over `config`.
    func bootstrap(label: String, config: LoggingConfig = LoggingConfig()) -> Logger {
        var settings = config
        if let format = logFormat.flatMap(LoggingConfig.Format.init(rawValue:)) { settings.format = format }
        return Self.bootstrap(
            label: label,
            level: Logger.Level(rawValue: logLevel ?? config.level) ?? .info,
            json: settings.writesJSON(isTerminal: isatty(STDERR_FILENO) == 1)
        )
    }

    /// The level named `text`, or a usage error listing the levels.
    static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text) else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// Bootstraps swift-log once for the process, writing to stderr at `level` (JSON lines or text),
    /// and returns the root logger.
    static func bootstrap(label: String, level: Logger.Level, json: Bool = false) -> Logger {
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
