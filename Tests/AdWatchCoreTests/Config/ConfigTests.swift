@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

struct ConfigTests {
    static let minimalSource = """
        sources:
          - name: symphony
            scheme: standard-webhooks
            secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        """

    @Test func appliesTheDocumentedDefaults() throws {
        let config = try ConfigLoader.parse(yaml: Self.minimalSource, resolver: .environment([:]))
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.maxBodyBytes == 262_144)
        #expect(config.store.sqlitePath == "./adwatch.sqlite")
        #expect(config.store.synchronous == .full)
        #expect(config.sources[0].tolerance.duration == .seconds(300))
        #expect(config.sources[0].dedupWindow.duration == .seconds(72 * 3600))
        #expect(config.audit.retention.duration == .seconds(90 * 86_400))
    }

    @Test(arguments: [
        ("server:\n  prot: 1\n", "server.prot: unknown key"),
        ("sources:\n  - name: a\n    scheme: github\n    secrets: [x]\n    tolerence: 5m\n", "sources[0].tolerence: unknown key"),
        ("sources:\n  - name: a\n    scheme: github\n    secrets: [x]\n    fields:\n      campaign: [id]\n", "sources[0].fields.campaign: unknown key"),
        ("sources: []\nrules:\n  - name: r\n    kind: ad_account_standing\n    treshold: 1\n", "rules[0].treshold: unknown key"),
        ("sourcez: []\n", "sourcez: unknown key"),
    ])
    func namesThePathOfAnUnknownKey(_ yaml: String, _ expected: String) {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, resolver: .environment([:])) }
        do {
            _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }

    @Test(arguments: [
        ("sources:\n  - name: a\n    scheme: sha1\n    secrets: [x]\n", "sources[0].scheme"),
        ("sources:\n  - name: a\n    secrets: [x]\n", "sources[0].scheme: required key is missing"),
        ("server:\n  port: high\n" + minimalSource, "server.port: expected an integer"),
        ("server:\n  port: 70000\n" + minimalSource, "server.port: must be between 0 and 65535"),
        ("sources:\n  - name: a b\n    scheme: github\n    secrets: [x]\n", "sources[0].name: use letters"),
        ("sources:\n  - name: a\n    scheme: standard-webhooks\n    secrets: [\"whsec_!!!\"]\n", "sources[0].secrets[0]: not a Standard Webhooks secret"),
        ("sources:\n  - name: a\n    scheme: github\n    secrets: []\n", "sources[0].secrets: scheme github needs at least one secret"),
        ("sources:\n  - name: a\n    scheme: github\n    secrets: [x]\n    header: X\n", "sources[0].header: only applies to scheme hmac"),
        ("sources:\n  - name: a\n    scheme: hmac\n    secrets: [x]\n", "sources[0].header: scheme hmac needs"),
        ("sources:\n  - name: a\n    scheme: hmac\n    secrets: [x]\n    header: X\n    signed: \"{id}.{body}\"\n", "sources[0].id_header"),
        ("sources:\n  - name: a\n    scheme: hmac\n    secrets: [x]\n    header: X\n    signed: \"{ts}.{body}\"\n", "sources[0].signed: unknown placeholder {ts}"),
        ("sources:\n  - name: a\n    scheme: none\n    insecure: true\n    secrets: [x]\n", "sources[0].secrets: scheme none takes no secrets"),
        ("store:\n  postgres: postgres://localhost/adwatch\n" + minimalSource, "store.postgres: the PostgreSQL store is not available"),
        ("sources: []\n", "sources: at least one source"),
        (minimalSource + "\nchannels:\n  - name: s\n    kind: slack\n", "channels[0].webhook_url: required for a slack channel"),
        (": : :\n", "not valid YAML"),
        (minimalSource + "\nadvertising:\n  base_url: ftp://example.com\n", "advertising.base_url: must be an http or https URL"),
        (minimalSource + "\nadvertising:\n  paths:\n    campaign: /v1/campaign\n", "advertising.paths.campaign: must contain {id}"),
        (minimalSource + "\nadvertising:\n  requests_per_minute: 0\n", "advertising.requests_per_minute: must be between 1 and 1000000"),
        (minimalSource + "\nadvertising:\n  circuit_breaker:\n    failure: 3\n", "advertising.circuit_breaker.failure: unknown key"),
        (minimalSource + "\nprocessor:\n  concurrency: 0\n", "processor.concurrency: must be between 1 and 64"),
        // Upper bounds too: a number from the file never becomes a runaway loop, a huge allocation or a trap.
        (minimalSource + "\nprocessor:\n  concurrency: 9223372036854775807\n", "processor.concurrency: must be between 1 and 64"),
        (minimalSource + "\nprocessor:\n  batch_size: 1000000000\n", "processor.batch_size: must be between 1 and 10000"),
        (minimalSource + "\ndelivery:\n  concurrency: -1\n", "delivery.concurrency: must be between 1 and 64"),
        (minimalSource + "\ndelivery:\n  max_attempts: 0\n", "delivery.max_attempts: must be between 1 and 1000"),
        (minimalSource + "\ndelivery:\n  tick: 0s\n", "delivery.tick: must be at least 1ms"),
        (minimalSource + "\nprocessor:\n  poll_interval: 0s\n", "processor.poll_interval: must be at least 1ms"),
        (minimalSource + "\nadvertising:\n  burst: 100000000\n", "advertising.burst: must be between 1 and 100000"),
        (minimalSource + "\nadvertising:\n  circuit_breaker:\n    failures: 0\n", "advertising.circuit_breaker.failures: must be between 1 and 10000"),
        (minimalSource + "\naudit:\n  rejections_per_second: 1e300\n", "audit.rejections_per_second: must be greater than 0 and at most 1000000"),
        (minimalSource + "\naudit:\n  prune_batch: 0\n", "audit.prune_batch: must be between 1 and 100000"),
    ])
    func explainsInvalidSettings(_ yaml: String, _ expected: String) {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "got: \(error)")
        }
    }

    static let invalidReplayAndListenerSettings: [(String, String)] = [
        // Replay safety: an hmac header the template does not sign, ambiguous templates, a window a replay outlives.
        (hmacSource(signed: "{body}", extra: "    timestamp_header: X-Timestamp\n"), "sources[0].timestamp_header: is not signed (no {timestamp} in signed)"),
        (hmacSource(signed: "{timestamp}.{body}", extra: "    timestamp_header: X-Timestamp\n    id_header: X-Delivery\n"),
         "sources[0].id_header: is not signed (no {id} in signed)"),
        (hmacSource(signed: "{id}{timestamp}.{body}", extra: "    timestamp_header: X-Timestamp\n    id_header: X-Delivery\n"),
         "sources[0].signed: adjacent placeholders {id}{timestamp} are ambiguous"),
        (hmacSource(signed: "{timestamp}{body}", extra: "    timestamp_header: X-Timestamp\n"), "sources[0].signed: adjacent placeholders {timestamp}{body}"),
        (minimalSource + "\n    dedup_window: 9m59s\n", "sources[0].dedup_window: must be at least twice the tolerance (10m)"),
        // The default window (72h) is too short for a 2-day tolerance.
        ("sources:\n  - name: a\n    scheme: stripe\n    secrets: [x]\n    tolerance: 2d\n", "sources[0].dedup_window: must be at least twice the tolerance (4d)"),
        (hmacSource(signed: "{timestamp}.{body}", extra: "    timestamp_header: X-Timestamp\n    dedup_window: 1m\n"),
         "sources[0].dedup_window: must be at least twice the tolerance (10m)"),
        ("sources:\n  - name: \(String(repeating: "a", count: 65))\n    scheme: github\n    secrets: [x]\n",
         "sources[0].name: use letters, digits, '-' and '_' only, at most 64"),
        // The listener's limits.
        ("server:\n  idle_timeout: 0s\n" + minimalSource, "server.idle_timeout: must be greater than 0s and at most 1h"),
        ("server:\n  read_timeout: 2h\n" + minimalSource, "server.read_timeout: must be greater than 0s and at most 1h"),
        ("server:\n  max_connections: 0\n" + minimalSource, "server.max_connections: must be between 1 and 1000000"),
        ("server:\n  max_conections: 10\n" + minimalSource, "server.max_conections: unknown key"),
    ]

    @Test(arguments: invalidReplayAndListenerSettings)
    func explainsInvalidReplayAndListenerSettings(_ yaml: String, _ expected: String) {
        explainsInvalidSettings(yaml, expected)
    }

    /// An `hmac` source with `signed` and further keys (each line indented by four spaces).
    static func hmacSource(signed: String, extra: String) -> String {
        "sources:\n  - name: a\n    scheme: hmac\n    secrets: [x]\n    header: X-Signature\n    signed: \"\(signed)\"\n" + extra
    }

    @Test(arguments: [
        // Exactly twice the tolerance is enough; without a signed timestamp the tolerance does not apply.
        minimalSource + "\n    dedup_window: 10m\n",
        "sources:\n  - name: a\n    scheme: github\n    secrets: [x]\n    dedup_window: 1m\n",
        hmacSource(signed: "{id}.{body}", extra: "    id_header: X-Delivery\n    dedup_window: 1m\n"),
        hmacSource(signed: "{id}.{timestamp}.{body}", extra: "    id_header: X-Delivery\n    timestamp_header: X-Timestamp\n"),
        "sources:\n  - name: \(String(repeating: "a", count: 64))\n    scheme: github\n    secrets: [x]\n",
    ])
    func acceptsReplaySafeSources(_ yaml: String) throws {
        _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
    }

    @Test func readsTheListenerLimits() throws {
        let defaults = try ConfigLoader.parse(yaml: Self.minimalSource, resolver: .environment([:]))
        #expect(ListenerLimits(defaults.server) == ListenerLimits(idleTimeout: .seconds(60), readTimeout: .seconds(30), maxConnections: 512))
        let yaml = "server:\n  idle_timeout: 2m\n  read_timeout: 500ms\n  max_connections: 64\n" + Self.minimalSource
        let config = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
        #expect(ListenerLimits(config.server) == ListenerLimits(idleTimeout: .seconds(120), readTimeout: .milliseconds(500), maxConnections: 64))
        #expect(ConfigExplainer.explain(config, path: "a.yaml").contains("at most 64 connections, idle ones closed after 2m, requests read within 500ms"))
    }

    @Test func acceptsTheUnsignedSchemeOnlyWithTheInsecureFlagAndWarnsAboutIt() throws {
        let config = try ConfigLoader.parse(yaml: "sources:\n  - name: open\n    scheme: none\n    insecure: true\n", resolver: .environment([:]))
        #expect(config.warnings.contains { $0.contains("UNSIGNED") })
    }

    @Test(arguments: [("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("24h", .seconds(86_400)),
                      ("90d", .seconds(7_776_000)), ("1h30m", .seconds(5400))])
    func parsesDurations(_ text: String, _ expected: Duration) throws {
        #expect(try ConfigDuration(parsing: text).duration == expected)
    }

    @Test(arguments: ["", "5", "m", "5 m", "5w", "-5m", "1.5h"])
    func rejectsMalformedDurations(_ text: String) {
        #expect(throws: ConfigError.self) { try ConfigDuration(parsing: text) }
    }

    @Test func resolvesSecretsFromTheEnvironmentAndFiles() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try Data("from-a-file\n".utf8).write(to: file)
        let resolver = Secret.Resolver.environment(["TOKEN": "from-the-environment"])
        #expect(try Secret(parsing: "env:TOKEN", resolver: resolver).text == "from-the-environment")
        #expect(try Secret(parsing: "file:\(file.path)", resolver: resolver).text == "from-a-file")
        #expect(try Secret(parsing: "plain", resolver: resolver).text == "plain")
        #expect(throws: ConfigError.self) { try Secret(parsing: "env:MISSING", resolver: resolver) }
        #expect(throws: ConfigError.self) { try Secret(parsing: "file:/nonexistent/secret", resolver: resolver) }
    }

    @Test func secretsRedactThemselvesEverywhere() throws {
        let secret = try Secret(parsing: "env:TOKEN", resolver: .environment(["TOKEN": "hunter2-value"]))
        let literal = Secret(literal: "hunter2-literal")
        var dumped = ""
        dump([secret, literal], to: &dumped)
        let renderings = ["\(secret)", String(describing: literal), String(reflecting: secret), "\([secret, literal])", dumped]
        for text in renderings {
            #expect(!text.contains("hunter2"), "leaked: \(text)")
        }
        #expect("\(secret)" == "Secret(env:TOKEN)")
    }

    @Test func everySampleConfigPasses() throws {
        let folder = TestSupport.samplesURL("config")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("adwatch.yaml"))
        #expect(files.contains("production.yaml"))
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // production.yaml reads every secret from the environment or a file; provide stand-ins.
        let whsec = "whsec_" + Data("stand-in secret".utf8).base64EncodedString()
        let environment = [
            "ADWATCH_SYMPHONY_SECRET": whsec, "ADWATCH_SYMPHONY_SECRET_PREVIOUS": whsec, "SYMPHONY_API_KEY": "k",
            "BRAND_246_API_KEY": "k", "SLACK_WEBHOOK_URL": "http://127.0.0.1/slack", "SENDGRID_API_KEY": "k",
            "ADWATCH_OUTBOUND_SECRET": whsec, "ADWATCH_ADMIN_TOKEN": String(repeating: "t", count: 32),
        ]
        let resolver = Secret.Resolver(environment: { environment[$0] }, readFile: { _ in Data("stand-in".utf8) })
        for file in files {
            let config = try ConfigLoader.load(path: folder.appendingPathComponent(file).path, resolver: resolver)
            let explanation = ConfigExplainer.explain(config, path: file)
            #expect(explanation.hasPrefix("\(file): OK"))
            for source in config.sources {
                #expect(explanation.contains("POST /webhooks/\(source.name)"))
            }
            #expect(!explanation.contains(String(whsec.dropFirst(6))))
        }
    }

    @Test func everyInvalidSampleFailsWithItsDocumentedMessage() throws {
        let folder = TestSupport.samplesURL("config/invalid")
        let expected = try TestSupport.invalidSampleExpectations()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(Set(files) == Set(expected.keys), "every invalid sample needs a row in EXPECTED.md")
        for file in files {
            do {
                _ = try ConfigLoader.load(path: folder.appendingPathComponent(file).path, resolver: .environment([:]))
                Issue.record("\(file) passed")
            } catch {
                #expect("\(error)".hasPrefix(expected[file] ?? "?"), "\(file): \(error)")
            }
        }
    }
}
