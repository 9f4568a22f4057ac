@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Logging
import ServiceLifecycle
import Testing

/// `server.tls`: the built `adwatch serve` speaks HTTPS with the configured certificate, and only HTTPS.
@Suite(.timeLimit(.minutes(2)))
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1, made with the openssl command (Debian's `openssl`).
    static func makeCertificate(in directory: URL) throws -> (certificate: URL, key: URL) {
        let certificate = directory.appendingPathComponent("cert.pem")
        let key = directory.appendingPathComponent("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key.path, "-out", certificate.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (certificate, key)
    }

    @Test func servesWebhooksOverTLSWithTheConfiguredCertificate() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Self.makeCertificate(in: directory)
        let config = directory.appendingPathComponent("adwatch.yaml")
        try """
        server:
          host: 127.0.0.1
          port: 0
          tls:
            certificate: \(certificate.path)
            key: \(key.path)
        store:
          sqlite: \(directory.appendingPathComponent("adwatch.sqlite").path)
        sources:
          - name: symphony
            scheme: standard-webhooks
            secrets: ["\(TestSupport.standardSecret)"]
        """.write(to: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config)
        #expect(server.log.contains("listening on https://127.0.0.1:\(server.port)"))

        // A client that trusts exactly this certificate (and checks the host name against it).
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate.path))
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let source = SourceConfig(name: "symphony", scheme: .standardWebhooks, secrets: [Secret(literal: TestSupport.standardSecret)])
        let reply = try await WebhookSender.send(body: TestSupport.campaignBody(), as: source, to: "https://127.0.0.1:\(server.port)", client: client)
        #expect(reply.status == 202)

        // Plain HTTP on the same port gets no HTTP answer.
        let plain = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/healthz")
        await #expect(throws: (any Error).self) { _ = try await client.execute(plain, timeout: .seconds(5)) }
        try await client.shutdown()
        #expect(try await server.stop() == 0)
    }

    @Test func aKeyThatIsNotPEMIsAConfigErrorNamingTheKey() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, _) = try Self.makeCertificate(in: directory)
        let garbage = directory.appendingPathComponent("garbage.pem")
        try "not a key".write(to: garbage, atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { _ = try httpServer(tls: .init(certificate: certificate.path, key: garbage.path)) }
        do {
            _ = try httpServer(tls: .init(certificate: certificate.path, key: garbage.path))
        } catch let error as ConfigError {
            #expect(error.description.contains("server.tls.key"))
        }
    }

    @Test func aKeyOfAnotherCertificateIsAConfigError() throws {
        let first = try TestSupport.temporaryDirectory()
        let second = try TestSupport.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let (certificate, _) = try Self.makeCertificate(in: first)
        let (_, otherKey) = try Self.makeCertificate(in: second)
        do {
            _ = try httpServer(tls: .init(certificate: certificate.path, key: otherKey.path))
            Issue.record("a mismatched key was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("does not fit the certificate"))
        }
    }

    /// The demo wraps the application to learn its port; the wrapper must keep the TLS server builder.
    @Test func reportingPortKeepsTheTLSListener() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Self.makeCertificate(in: directory)
        var config = TestSupport.config()
        config.server.tls = .init(certificate: certificate.path, key: key.path)
        let app = ReportingPort(try await buildApplication(config: config, dependencies: Dependencies(store: MemoryStore(), logger: Logger(label: "t"))))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate.path))
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "t")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await app.port())
            let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
            #expect(response.status.code == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await client.shutdown()
    }
}
