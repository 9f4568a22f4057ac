import AsyncHTTPClient
public import Foundation
public import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals
import AdWatchCore
import AdWatchSQLite
import AdWatchMemoryStore
import AdWatchApp
import AdWatchMockAds

/// `adwatch demo`: the whole product on loopback, driven through one campaign's life in seconds.
///
/// It starts the mock Ads API on the fixtures, writes a configuration and a SQLite file into a
/// directory it keeps, builds the real service with ``buildApplication(config:dependencies:)`` (a
/// ``ManualWallClock`` instead of the system clock, the console channel), and sends real signed
/// webhooks over loopback while it moves the campaign through the mock:
///
/// created (in review) → a simulated day passes → approved → ad account unsettled → settled → spend past 80 %.
///
/// Each step waits, bounded by ``Options/stepTimeout``, until the expected notification has gone
/// out through the console channel, so the run is deterministic and never sleeps a fixed time.
///
/// ```swift
/// let demo = DemoScenario(options: .init(fixtures: URL(fileURLWithPath: "samples/fixtures")), say: { print($0) }, logger: logger)
/// try await demo.run()
/// ```
public struct DemoScenario: Sendable {
    public struct Options: Sendable {
        /// The mock Ads API's fixtures (`samples/fixtures`).
        public var fixtures: URL
        /// Where the configuration and the SQLite file are written (and kept); nil for a new temporary directory.
        public var directory: URL?
        /// Keep the receiver running after the scenario, until SIGINT or SIGTERM.
        public var keepRunning: Bool
        /// The receiver's port; 0 picks a free one.
        public var port: Int
        /// How long one step may take before the demo gives up.
        public var stepTimeout: Duration

        public init(fixtures: URL, directory: URL? = nil, keepRunning: Bool = false, port: Int = 0, stepTimeout: Duration = .seconds(20)) {
            self.fixtures = fixtures
            self.directory = directory
            self.keepRunning = keepRunning
            self.port = port
            self.stepTimeout = stepTimeout
        }
    }

    /// Why the demo stopped early; the text says what to try.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The campaign the story is about (a copy of the first fixture campaign).
    static let campaignID = 7001
    static let budget: Decimal = 550
    /// How long the simulated clock starts behind real time: the story's day in review, plus the steps after it.
    static let head: TimeInterval = 24 * 3600 + 20 * 60

    let options: Options
    let say: @Sendable (String) -> Void
    let logger: Logger

    /// - Parameters:
    ///   - say: writes one line of the demo's story (standard output in the executable).
    ///   - logger: the service's logger (the executable keeps it quiet unless asked).
    public init(options: Options, say: @escaping @Sendable (String) -> Void, logger: Logger) {
        self.options = options
        self.say = say
        self.logger = logger
    }

    /// Runs the scenario; with ``Options/keepRunning`` returns only after SIGINT or SIGTERM.
    /// - Throws: ``Failure`` when the fixtures are missing, a webhook is refused or a step times out.
    public func run() async throws {
        // A whole second: the store keeps milliseconds (rounded), and under a clock that stands still a
        // rounded-up timestamp would stay "in the future" and hold a notification back for good.
        let clock = ManualWallClock(Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - Self.head).rounded(.down)))
        let mock: MockAdsAPI.State
        do {
            mock = try MockAdsAPI.State(fixtures: options.fixtures, clock: clock)
        } catch let error as MockAdsAPI.FixtureError {
            throw Failure(description: "\(error.description)\n(run the demo from the repository root, or pass --fixtures DIR)")
        }
        let directory = try options.directory ?? Self.newDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // The story starts from an empty store; never reuse (or delete) a store that is already there.
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("adwatch.sqlite").path) {
            throw Failure(description: "\(directory.path) already holds an adwatch.sqlite; give the demo an empty directory")
        }

        let mockApp = ReportingPort(buildMockAdsAPI(state: mock, host: "127.0.0.1", port: 0, logger: logger))
        let mockGroup = ServiceGroup(configuration: .init(services: [mockApp], logger: logger))
        let http = HTTPClientService.makeClient()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await mockGroup.run() }
                do {
                    let mockPort = try await bounded("the mock Ads API did not start") { await mockApp.port() }
                    try await runService(mock: mock, mockPort: mockPort, clock: clock, directory: directory, http: http, group: &group, mockGroup: mockGroup)
                } catch {
                    await mockGroup.triggerGracefulShutdown()
                    throw error
                }
                try await group.waitForAll()
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// Builds and starts the service on the demo's files, plays the story, then stops (or stays up).
    private func runService(
        mock: MockAdsAPI.State, mockPort: Int, clock: ManualWallClock, directory: URL, http: HTTPClient,
        group: inout ThrowingTaskGroup<Void, any Error>, mockGroup: ServiceGroup
    ) async throws {
        let files = DemoFiles(directory: directory, mockPort: mockPort, port: options.port)
        try files.write()
        let config = try ConfigLoader.load(path: files.config.path)
        guard let advertising = config.advertising else { throw Failure(description: "the demo configuration has no advertising section") }

        let store = try SQLiteStore(path: config.store.sqlitePath, synchronous: config.store.synchronous, logger: logger)
        // Migrated before the services start, so their first pass finds the tables (the server migrates again, idempotently).
        try await store.migrate()
        var dependencies = Dependencies(
            store: store, clock: clock, logger: logger,
            advertising: LiveAdvertisingAPI(
                config: advertising, httpClient: http, observer: AuditingFetchObserver(log: store, clock: clock, logger: logger), logger: logger
            )
        )
        let deliveries = DemoTap.Log()
        for channel in config.channels {
            let console = try ChannelRegistry.make(channel, httpClient: http, clock: clock, write: { [say] in say("   " + $0) })
            dependencies.channels[channel.name] = DemoTap(inner: console, log: deliveries, say: say)
        }
        let app = ReportingPort(try await buildApplication(config: config, dependencies: dependencies))
        let following = NIOLockedValueBox(false)
        var services: [any Service] = [app]
        if options.keepRunning { services.append(ClockFollower(clock: clock, following: following)) }
        let appGroup = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: options.keepRunning ? [.sigint, .sigterm] : [], logger: logger)
        )
        group.addTask {
            do {
                try await appGroup.run()
            } catch {
                await mockGroup.triggerGracefulShutdown()
                throw error
            }
            await mockGroup.triggerGracefulShutdown()
        }
        do {
            let port = try await bounded("the receiver did not start") { await app.port() }
            let story = DemoStory(
                mock: mock, store: store, clock: clock, deliveries: deliveries, source: config.sources[0], receiver: "http://127.0.0.1:\(port)",
                http: http, stepTimeout: options.stepTimeout, say: say
            )
            say("AdWatch demo: receiver http://127.0.0.1:\(port), mock Ads API http://127.0.0.1:\(mockPort), files in \(directory.path)")
            say("The clock is simulated: a day in review takes a moment.")
            say("")
            try await story.play()
            let verification = try await store.verify()
            say("")
            say("📜 Audit log: \(verification.checkedRecords) records, hash chain \(verification.isIntact ? "intact" : "BROKEN")")
            say("Demo finished. Look at what happened, campaign \(Self.campaignID)'s trail first:")
            say("   adwatch audit timeline --config \(files.config.path) --campaign \(Self.campaignID)")
            say("   adwatch alerts list --config \(files.config.path) --state firing,resolved")
            say("   adwatch audit verify --config \(files.config.path)")
            say("(from the repository: swift run adwatch … ; the directory \(directory.path) is kept until you delete it)")
            if options.keepRunning {
                following.withLockedValue { $0 = true }
                say("")
                say("Still running (--keep-running) until Ctrl-C; the clock now follows real time.")
                say("   receiver:     http://127.0.0.1:\(port)/webhooks/\(config.sources[0].name)")
                say("   admin page:   http://127.0.0.1:\(port)/admin  (bearer token \(files.adminToken))")
                say("   send another: adwatch send --config \(files.config.path) --source \(config.sources[0].name) --url http://127.0.0.1:\(port) samples/payloads/campaign.updated.json")
            } else {
                await appGroup.triggerGracefulShutdown()
            }
        } catch {
            await appGroup.triggerGracefulShutdown()
            throw error
        }
    }

    /// Waits for `body`, at most ``Options/stepTimeout``.
    private func bounded<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async -> T?) async throws -> T {
        let limit = options.stepTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw Failure(description: "\(what) within \(limit); run again with --log-level info to see why") }
            return first
        }
    }

    static func newDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("adwatch-demo-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// After the story, with `--keep-running`: moves the simulated clock up to real time every second,
/// so webhooks sent by hand (signed with the real time) fall inside the timestamp tolerance.
struct ClockFollower: Service {
    let clock: ManualWallClock
    let following: NIOLockedValueBox<Bool>

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if following.withLockedValue({ $0 }), Date() > clock.now() {
                    clock.set(Date())
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
