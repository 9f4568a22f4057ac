@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

/// Routing, grouping, retries and the dead letter, driven pass by pass with a manual clock.
@Suite(.timeLimit(.minutes(1)))
struct DeliveryServiceTests {
    let clock = ManualWallClock(TestSupport.now)

    static func entry(_ id: String, campaign: String, brand: String = "246", kind: OutboxMessage.Kind = .firing, severity: Severity = .critical,
                      at: Date = TestSupport.now) -> OutboxMessage {
        OutboxMessage(
            id: id, fingerprint: "account/\(campaign)", kind: kind, rule: "account", campaignID: campaign, severity: severity,
            summary: "Ad account of campaign \(campaign) is UNSETTLED (3).",
            labels: ["rule": "account", "campaign_id": campaign, "brand_id": brand, "severity": severity.rawValue], createdAt: at
        )
    }

    static func enqueue(_ store: any AdWatchStore, _ entries: [OutboxMessage]) async throws {
        var changes = AlertBook.Changes()
        changes.notifications = entries
        try await store.applyAlertChanges(changes, audit: [])
    }

    func service(_ store: any AdWatchStore, base: String, http: HTTPClient, routes: [RouteConfig], maxAttempts: Int = 4) throws -> DeliveryService {
        var hook = ChannelConfig(name: "hook", kind: .webhook)
        hook.url = "\(base)/hook"
        hook.secret = Secret(literal: TestSupport.standardSecret)
        var config = DeliveryConfig()
        config.maxAttempts = maxAttempts
        config.retryBase = "10s"
        return DeliveryService(
            store: store, channels: ["hook": try ChannelRegistry.make(hook, httpClient: http, clock: clock)], routes: routes, config: config,
            clock: clock, logger: Logger(label: "test"), random: { 1 }
        )
    }

    func withServer(_ body: @escaping @Sendable (RecordingServer, String, HTTPClient) async throws -> Void) async throws {
        let server = RecordingServer()
        try await server.run { base in
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do { try await body(server, base, http) } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func aGroupWaitingUnderARouteThatAReloadRemovedIsFiledAgainAndStillSent(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await withServer { server, base, http in
                var first = RouteConfig(match: ["campaign_id": "1"], channels: ["hook"])
                first.groupWait = "30s"
                var catchAll = RouteConfig(channels: ["hook"])
                catchAll.groupWait = "30s"
                let service = try service(store, base: base, http: http, routes: [first, catchAll])
                try await Self.enqueue(store, [Self.entry("n1", campaign: "5195")])
                try await service.runOnce()  // filed under route 1, waiting out group_wait
                #expect(server.requests.isEmpty)

                // The reload drops the first route: the waiting group's route number 1 no longer exists.
                try await service.reload(channels: nil, routes: [catchAll], config: service.settings.current.config)
                clock.advance(by: .seconds(30))  // group_wait counts from the notification, not from the reload
                try await service.runOnce()
                #expect(server.requests.map(\.path) == ["/hook"])
                #expect(try await store.deliveries(in: .sent, limit: 10).count == 1)
                clock.advance(by: .seconds(600))
                try await service.runOnce()
                #expect(server.requests.count == 1)  // filed again, sent once
            }
        }
    }

    @Test func aServerThatFailsThreeTimesGetsExactlyOneSuccessfulDelivery() async throws {
        let store = MemoryStore()
        try await withServer { server, base, http in
            let service = try service(store, base: base, http: http, routes: [RouteConfig(channels: ["hook"])])
            try await Self.enqueue(store, [Self.entry("n1", campaign: "5195")])
            server.answer(503, times: 3)
            for _ in 0..<4 {
                try await service.runOnce()
                clock.advance(by: .seconds(600))
            }
            #expect(server.requests.map(\.path) == ["/hook", "/hook", "/hook", "/hook"])
            #expect(try await store.deliveries(in: .sent, limit: 10).count == 1)
            #expect(try await service.runOnce() == 0)
            let kinds = try await store.records(from: 0, limit: 100).map(\.kind)
            #expect(kinds.filter { $0 == "delivery.failed" }.count == 3)
            #expect(kinds.filter { $0 == "delivery.succeeded" }.count == 1)
            // Retries carry the same message id, so the receiver can drop repeats.
            #expect(Set(server.requests.map { $0.headers[.webhookID] ?? "" }).count == 1)
        }
    }

    @Test func aPermanentlyFailingServerEndsInTheDeadLetterAndReplayDeliversIt() async throws {
        let store = MemoryStore()
        try await withServer { server, base, http in
            let service = try service(store, base: base, http: http, routes: [RouteConfig(channels: ["hook"])], maxAttempts: 3)
            try await Self.enqueue(store, [Self.entry("n1", campaign: "5195")])
            server.answer(500, times: 3)
            for _ in 0..<3 {
                try await service.runOnce()
                clock.advance(by: .seconds(600))
            }
            let dead = try await store.deliveries(in: .dead, limit: 10)
            #expect(dead.map(\.attempts) == [3])
            #expect(dead.first?.lastStatus == 500)
            // A 4xx is not retried at all.
            try await Self.enqueue(store, [Self.entry("n2", campaign: "6000")])
            server.answer(400)
            try await service.runOnce()
            #expect(try await store.deliveries(in: .dead, limit: 10).count == 2)

            #expect(try await store.replayDelivery(id: dead[0].id, at: clock.now(), by: "ops"))
            try await service.runOnce()
            #expect(try await store.deliveries(in: .sent, limit: 10).map(\.id) == [dead[0].id])
            #expect(server.requests.count == 5)
        }
    }

    @Test func fiveAlertsForOneBrandWithinGroupWaitBecomeOneMessage() async throws {
        let store = MemoryStore()
        try await withServer { server, base, http in
            var route = RouteConfig(channels: ["hook"])
            route.groupBy = ["brand_id"]
            route.groupWait = "30s"
            let service = try service(store, base: base, http: http, routes: [route])
            for index in 0..<5 {
                try await Self.enqueue(store, [Self.entry("n\(index)", campaign: "\(5000 + index)", at: clock.now())])
                clock.advance(by: .seconds(5))
                try await service.runOnce()
            }
            #expect(server.requests.isEmpty)  // still inside group_wait of the first
            clock.advance(by: .seconds(10))
            try await service.runOnce()
            #expect(server.requests.count == 1)
            let alerts = try #require(server.requests.first?.json?["alerts"] as? [[String: Any]])
            #expect(alerts.count == 5)
            #expect((server.requests.first?.json?["group_labels"] as? [String: String]) == ["brand_id": "246"])
        }
    }

    @Test func resolvedNotificationsFollowOnlyRoutesThatAskForThem() async throws {
        let store = MemoryStore()
        try await withServer { server, base, http in
            var quiet = RouteConfig(match: ["severity": "warning"], channels: ["hook"])
            quiet.sendResolved = false
            var loud = RouteConfig(match: ["severity": "critical"], channels: ["hook"])
            loud.sendResolved = true
            let service = try service(store, base: base, http: http, routes: [quiet, loud])
            try await Self.enqueue(store, [
                Self.entry("w", campaign: "1", kind: .resolved, severity: .warning), Self.entry("c", campaign: "2", kind: .resolved, severity: .critical),
            ])
            try await service.runOnce()
            #expect(server.requests.count == 1)
            #expect((server.requests.first?.json?["alerts"] as? [[String: Any]])?.first?["campaign_id"] as? String == "2")
            let routed = try await store.records(from: 0, limit: 10).filter { $0.kind == "notification.routed" }
            #expect(routed.first { $0.alert == "account/1" }?.details.contains(#""channels":"none""#) == true)
        }
    }

    @Test func aMuteWindowHoldsMessagesAndReleasesThemWhenItEnds() async throws {
        let store = MemoryStore()
        try await withServer { server, base, http in
            var route = RouteConfig(channels: ["hook"])
            // TestSupport.now is Monday 2025-12-01 00:00 UTC: mute 00:00–08:00 Berlin (23:00–07:00 UTC).
            route.muteWindows = [.init(weekdays: ["monday"], start: "00:00", end: "08:00", timeZone: "Europe/Berlin")]
            let service = try service(store, base: base, http: http, routes: [route])
            try await Self.enqueue(store, [Self.entry("n1", campaign: "5195")])
            try await service.runOnce()
            #expect(server.requests.isEmpty)
            clock.advance(by: .seconds(6 * 3600 + 59 * 60))  // 06:59 UTC = 07:59 Berlin
            try await service.runOnce()
            #expect(server.requests.isEmpty)
            clock.advance(by: .seconds(60))  // 08:00 Berlin
            try await service.runOnce()
            #expect(server.requests.count == 1)
        }
    }

    @Test func aRestartWithPendingDeliveriesLosesNoneAndResendsNoneThatSucceeded() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        try await withServer { server, base, http in
            do {
                let store = try await database.openStore()
                let service = try service(store, base: base, http: http, routes: [RouteConfig(channels: ["hook"])])
                try await Self.enqueue(store, [Self.entry("a", campaign: "1"), Self.entry("b", campaign: "2")])
                server.answer(200)
                server.answer(503)
                try await service.runOnce()  // one sent, one waits for its retry
                try await Self.enqueue(store, [Self.entry("c", campaign: "3")])  // queued, not yet routed
                try await store.close()
            }
            #expect(server.requests.count == 2)
            clock.advance(by: .seconds(600))
            let store = try await database.openStore()
            let service = try service(store, base: base, http: http, routes: [RouteConfig(channels: ["hook"])])
            try await service.runOnce()
            let campaigns = server.requests.compactMap { ($0.json?["alerts"] as? [[String: Any]])?.first?["campaign_id"] as? String }
            // The second request before the restart got the 503: only its campaign is sent again, the one answered 200 is not.
            let failed = campaigns[1]
            #expect(campaigns.count == 4)
            #expect(campaigns.filter { $0 == failed }.count == 2)
            #expect(Set(campaigns) == ["1", "2", "3"])
            #expect(try await store.deliveries(in: .sent, limit: 10).count == 3)
            try await store.close()
        }
    }

    @Test(arguments: StoreContractTests.Kind.allCases)
    func aRoutesRepeatIntervalLimitsHowOftenTheSameAlertGoesOut(_ kind: StoreContractTests.Kind) async throws {
        try await StoreContractTests().withStore(kind) { store in
            try await withServer { server, base, http in
                var route = RouteConfig(channels: ["hook"])
                route.repeatInterval = "4h"
                let service = try service(store, base: base, http: http, routes: [route])
                try await Self.enqueue(store, [Self.entry("first", campaign: "1", at: clock.now())])
                try await service.runOnce()
                clock.advance(by: .seconds(3600))
                try await Self.enqueue(store, [Self.entry("again-1h", campaign: "1", at: clock.now())])  // within 4 h: dropped on this route
                try await service.runOnce()
                #expect(server.requests.count == 1)
                clock.advance(by: .seconds(3 * 3600))
                try await Self.enqueue(store, [Self.entry("again-4h", campaign: "1", at: clock.now())])
                try await service.runOnce()
                #expect(server.requests.count == 2)
                // Resolved, then firing again: a new problem goes out at once.
                try await Self.enqueue(store, [Self.entry("resolved", campaign: "1", kind: .resolved, at: clock.now())])
                try await service.runOnce()
                clock.advance(by: .seconds(60))
                try await Self.enqueue(store, [Self.entry("refired", campaign: "1", at: clock.now())])
                try await service.runOnce()
                #expect(server.requests.count == 3)  // the resolved one is not sent (send_resolved is off), the re-fire is
            }
        }
    }

    @Test func runsUntilGracefulShutdownAndFinishesWhatItStarted() async throws {
        let store = MemoryStore()
        let lines = NIOLockedValueBox<[String]>([])
        let console = try ChannelRegistry.make(ChannelConfig(name: "console", kind: .console), httpClient: .shared, write: { line in lines.withLockedValue { $0.append(line) } })
        var config = DeliveryConfig()
        config.tick = "10ms"
        let service = DeliveryService(
            store: store, channels: ["console": console], routes: [RouteConfig(channels: ["console"])], config: config, clock: clock, logger: Logger(label: "t")
        )
        try await Self.enqueue(store, [Self.entry("n1", campaign: "5195")])
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                while try await store.deliveries(in: .sent, limit: 1).isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(lines.withLockedValue { $0.count } == 1)
        #expect(try await store.deliveries(in: .sending, limit: 10).isEmpty)
    }

    @Test func routesAnswerWhichChannelsAnAlertReaches() throws {
        var critical = RouteConfig(match: ["severity": "critical"], channels: ["ops-slack", "ops-email"])
        critical.continue = true
        let router = AlertRouter(routes: [critical, RouteConfig(match: ["brand_id": "246"], channels: ["brand-hook"]), RouteConfig(channels: ["ops-slack"])])
        #expect(router.channels(for: ["severity": "critical", "brand_id": "246"]) == ["ops-slack", "ops-email", "brand-hook"])
        #expect(router.channels(for: ["severity": "warning", "brand_id": "1"]) == ["ops-slack"])
        #expect(router.channels(for: ["severity": "critical"], kind: .resolved).isEmpty)
    }
}
