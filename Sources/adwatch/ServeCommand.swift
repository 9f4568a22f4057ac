import AdWatchCore
import ArgumentParser
import Hummingbird
import Logging

/// `adwatch serve --config FILE`: runs the receiver until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the webhook receiver.")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap(label: "adwatch")
        let settings = try loadConfig(config)
        let app = try await buildApplication(config: settings, dependencies: .live(config: settings, logger: logger))
        try await app.runService()
    }
}
