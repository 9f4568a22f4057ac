import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `adwatch serve --config FILE`: runs the receiver until SIGTERM or SIGINT; SIGHUP reloads the config.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the webhook receiver.")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let settings = try loadConfig(config)
        let logger = logging.bootstrap(label: "adwatch", config: settings.logging)
        var dependencies = try Dependencies.live(config: settings, logger: logger)
        // The SQLite store's one-service lock is held until the service group has ended.
        let lock = dependencies.serviceLock
        defer { withExtendedLifetime(lock) {} }
        dependencies.reloadConfig = { [config] in try ConfigLoader.load(path: config) }
        let app = try await buildApplication(config: settings, dependencies: dependencies)
        // SIGTERM/SIGINT: the server stops taking requests, the processor and deliveries finish their
        // pass, then the HTTP client and the store close — within server.shutdown_grace, after which
        // whatever still runs is cancelled (nothing acknowledged is lost: it is already in the store).
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = settings.server.shutdownGrace.duration
        try await ServiceGroup(configuration: group).run()
    }
}
