import Foundation
import AdWatchCore
import AdWatchApp
import AdWatchMockAds

/// The demo's configuration file, written beside its SQLite file so that every other command
/// (`adwatch audit timeline --config …`, `adwatch alerts list --config …`) can open what the demo did.
///
/// The webhook secret and the admin token are generated for each run and only ever written here.
struct DemoFiles {
    let directory: URL
    let mockPort: Int
    let port: Int
    let adminToken: String = ByteEncoding.hex(Digest.randomBytes(16))
    private let webhookSecret: String = "whsec_" + ByteEncoding.base64(Digest.randomBytes(24))

    var config: URL { directory.appendingPathComponent("adwatch.yaml") }
    var database: URL { directory.appendingPathComponent("adwatch.sqlite") }

    init(directory: URL, mockPort: Int, port: Int) {
        self.directory = directory
        self.mockPort = mockPort
        self.port = port
    }

    func write() throws {
        try yaml.write(to: config, atomically: true, encoding: .utf8)
    }

    /// Short ticks and retries so a step takes milliseconds; otherwise a normal configuration.
    var yaml: String {
        """
        # Written by `adwatch demo`: everything on loopback; the secret and token are this run's own.
        server:
          host: 127.0.0.1
          port: \(port)
        store:
          sqlite: \(database.path)
          synchronous: normal
        sources:
          - name: symphony
            scheme: standard-webhooks
            secrets: ["\(webhookSecret)"]
        advertising:
          base_url: http://127.0.0.1:\(mockPort)
          api_key: \(MockAdsAPI.defaultAPIKeys[0])
          requests_per_minute: 90
          burst: 30
          timeout: 2s
          max_attempts: 2
          retry_base: 50ms
          retry_max: 200ms
        processor:
          poll_interval: 50ms
          retry_base: 1s
          retry_max: 5s
        rules:
          - name: in-review-too-long
            kind: in_review_too_long
            after: 24h
            severity: warning
          - name: account-standing
            kind: ad_account_standing
            severity: critical
          - name: spend-80
            kind: spend_threshold
            percent_of_budget: 80
            severity: warning
        channels:
          - name: console
            kind: console
        routes:
          - channels: [console]
            send_resolved: true
        alerting:
          tick: 100ms
        delivery:
          tick: 100ms
          retry_base: 100ms
        admin:
          token: "\(adminToken)"

        """
    }
}
