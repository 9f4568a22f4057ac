@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

/// The built `adwatch serve` under signals: SIGHUP reloads (or refuses) the configuration, SIGTERM
/// drains without losing anything that was acknowledged.
@Suite(.timeLimit(.minutes(3)))
struct LifecycleTests {
    static func configText(database: URL, secret: String, adminToken: String = "admin-token-1-0123456789abcdef0123456789", extra: String = "") -> String {
        """
        server:
          host: 127.0.0.1
          port: 0
          shutdown_grace: 20s
        store:
          sqlite: \(database.path)
        logging:
          format: json
        admin:
          token: \(adminToken)
        sources:
          - name: symphony
            scheme: standard-webhooks
            secrets: ["\(secret)"]
        \(extra)
        """
    }

    static func source(_ secret: String) -> SourceConfig {
        SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: secret)])
    }

    @Test func sighupAppliesAValidConfigRejectsAnInvalidOneAndRotatesTheWebhookSecret() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite")
        let config = directory.appendingPathComponent("adwatch.yaml")
        try Self.configText(database: database, secret: TestSupport.standardSecret).write(to: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config)
        let url = "http://127.0.0.1:\(server.port)"
        let old = Self.source(TestSupport.standardSecret)
        let rotated = Self.source(TestSupport.rotatedSecret)

        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: old, to: url).status == 202)
        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: rotated, to: url).status == 401)

        // Rotate: the new secret only, a new admin token, plus a rule (reloaded too).
        try Self.configText(database: database, secret: TestSupport.rotatedSecret, adminToken: "admin-token-2-0123456789abcdef0123456789", extra: """
            rules:
              - name: account-standing
                kind: ad_account_standing
            """).write(to: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await server.waitForLog("configuration reloaded")
        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: rotated, to: url).status == 202)
        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: old, to: url).status == 401)
        #expect(try await Self.adminStatus(url, token: "admin-token-2-0123456789abcdef0123456789") == 200)
        #expect(try await Self.adminStatus(url, token: "admin-token-1-0123456789abcdef0123456789") == 401)

        // An invalid file (a route to a channel that does not exist) is refused with the reason; the rotated config stays.
        try Self.configText(database: database, secret: TestSupport.standardSecret, extra: """
            routes:
              - channels: [nowhere]
            """).write(to: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        let log = try await server.waitForLog("configuration reload rejected")
        #expect(log.contains("routes[0].channels[0]"))
        #expect(log.contains("no channel named 'nowhere'"))
        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: rotated, to: url).status == 202)
        #expect(try await WebhookSender.send(body: TestSupport.campaignBody(), as: old, to: url).status == 401)
        #expect(try await server.stop() == 0)

        let store = try SQLiteStore(path: database.path)
        let reloads = try await store.records(matching: { var q = AuditQuery(); q.kinds = ["config.reloaded", "config.reload_rejected"]; return q }(), limit: 10)
        #expect(reloads.map(\.kind) == ["config.reloaded", "config.reload_rejected"])
        #expect(reloads.first?.details.contains("\"rules\":1") == true)
        #expect(try await store.verify().isIntact)
        try await store.close()
    }

    @Test func sigtermDuringLoadLosesNoAcknowledgedEvent() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("adwatch.sqlite")
        let config = directory.appendingPathComponent("adwatch.yaml")
        let state = try MockAdsAPI.State(fixtures: TestSupport.samplesURL("fixtures"))
        // Slow answers keep the processor mid-pass when SIGTERM arrives.
        await state.addFault(.init(kind: .slow(.milliseconds(100))))

        try await buildMockAdsAPI(state: state, port: 0, logger: Logger(label: "mock")).test(.live) { mock in
            try Self.configText(database: database, secret: TestSupport.standardSecret, extra: """
                advertising:
                  base_url: http://127.0.0.1:\(mock.port!)
                  api_key: mock-api-key
                  requests_per_minute: 60000
                  burst: 1000
                processor:
                  poll_interval: 50ms
                """).write(to: config, atomically: true, encoding: .utf8)

            let acknowledged = NIOLockedValueBox<[String]>([])
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let server = try ServeProcess(config: config)
            let url = "http://127.0.0.1:\(server.port)"
            let source = Self.source(TestSupport.standardSecret)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        // Each worker sends until the server stops answering.
                        for index in 0..<1000 {
                            guard let reply = try? await WebhookSender.send(
                                body: TestSupport.campaignBody(), as: source, to: url, deliveryID: "load_\(worker)_\(index)", client: client
                            ) else { return }
                            if reply.status == 202, let id = Self.eventID(reply.body) {
                                acknowledged.withLockedValue { $0.append(id) }
                            }
                        }
                    }
                }
                group.addTask {
                    while acknowledged.withLockedValue({ $0.count }) < 150 { try await Task.sleep(for: .milliseconds(5)) }
                    server.signal(SIGTERM)
                }
                try await group.waitForAll()
            }
            #expect(try await server.waitForExit() == 0)
            try await client.shutdown()
            let ids = acknowledged.withLockedValue { $0 }
            #expect(ids.count >= 150)

            // Restarted on the same file, every acknowledged event is processed.
            let restarted = try ServeProcess(config: config)
            let store = try SQLiteStore(path: database.path)
            let deadline = ContinuousClock.now + .seconds(60)
            var unprocessed = ids
            while !unprocessed.isEmpty && ContinuousClock.now < deadline {
                var still: [String] = []
                for id in unprocessed where try await store.event(id: id)?.state != .processed { still.append(id) }
                unprocessed = still
                if !unprocessed.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(try await restarted.stop() == 0)
            #expect(unprocessed.isEmpty, "acknowledged but never processed: \(unprocessed.prefix(5))")
            #expect(try await store.verify().isIntact)
            try await store.close()
        }
    }

    static func adminStatus(_ url: String, token: String) async throws -> UInt {
        var request = HTTPClientRequest(url: "\(url)/admin/alerts")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        return try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code
    }

    static func eventID(_ body: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["id"] as? String
    }
}

/// What a reload applies at once and what waits for a restart.
struct ConfigReloaderTests {
    @Test func namesTheSectionsThatNeedARestartButNotRotatedKeys() throws {
        let old = TestSupport.config()
        var new = old
        #expect(ConfigReloader.restartNeeded(from: old, to: new).isEmpty)
        new.sources = [SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.rotatedSecret)])]
        new.rules = try ConfigLoader.parse(yaml: "sources: [{name: s, scheme: none, insecure: true}]\nrules: [{name: r, kind: campaign_failed}]").rules
        #expect(ConfigReloader.restartNeeded(from: old, to: new).isEmpty)

        var withAPI = old
        withAPI.advertising = AdvertisingConfig(baseURL: "http://127.0.0.1:1", apiKey: Secret(literal: "key-1"))
        var rotatedKey = withAPI
        rotatedKey.advertising?.apiKey = Secret(literal: "key-2")
        #expect(ConfigReloader.restartNeeded(from: withAPI, to: rotatedKey).isEmpty)
        var movedAPI = withAPI
        movedAPI.advertising?.baseURL = "http://127.0.0.1:2"
        new.server.port = 9090
        new.audit.retention = "30d"
        #expect(ConfigReloader.restartNeeded(from: withAPI, to: movedAPI) == ["advertising"])
        #expect(ConfigReloader.restartNeeded(from: old, to: new) == ["server", "audit"])
    }
}
