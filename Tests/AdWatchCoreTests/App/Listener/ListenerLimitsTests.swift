@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// `server.idle_timeout`, `server.read_timeout` and `server.max_connections` over real loopback sockets,
/// with short configured times. Each wait is bounded; the bounds leave seconds of room, because these
/// tests share two cores with the rest of the suite and a loaded event loop can stall for a while.
@Suite(.timeLimit(.minutes(1)))
struct ListenerLimitsTests {
    /// Runs the whole application on a free loopback port with these limits.
    static func withServer(
        idle: ConfigDuration = "30s", read: ConfigDuration = "30s", maxConnections: Int = 512, tls: ServerConfig.TLSConfig? = nil,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        var config = TestSupport.config()
        config.server.idleTimeout = idle
        config.server.readTimeout = read
        config.server.maxConnections = maxConnections
        config.server.tls = tls
        let logger = Logger(label: "test")
        let app = ReportingPort(try await buildApplication(config: config, dependencies: Dependencies(store: MemoryStore(), logger: logger)))
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await app.port())
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test func closesAConnectionThatSendsNothingAfterTheIdleTimeout() async throws {
        try await Self.withServer(idle: "500ms") { port in
            try await RawConnection.open(port: port) { connection in
                let closed = try #require(await connection.closedByServer(within: .seconds(8)), "still open after 8 s")
                #expect(closed >= .milliseconds(500))
            }
        }
    }

    @Test func closesAKeptAliveConnectionTheIdleTimeoutAfterItsLastResponse() async throws {
        // Long enough that even a stalled event loop reads the request before the connection counts as idle.
        try await Self.withServer(idle: "2s") { port in
            try await RawConnection.open(port: port) { connection in
                try await connection.send(Self.healthz)
                #expect(try await connection.readResponse().hasPrefix("HTTP/1.1 200"))
                let closed = try #require(await connection.closedByServer(within: .seconds(10)), "still open after 10 s")
                #expect(closed >= .seconds(2))
            }
        }
    }

    @Test(arguments: [
        // Headers that never finish, a byte at a time.
        ("POST /webhooks/symphony HTTP/1.1\r\nHost: localhost\r\n", "X"),
        // Complete headers, then a body trickled a byte at a time: each byte would reset an idle timer.
        ("POST /webhooks/symphony HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", " "),
    ])
    func cutsOffARequestThatDoesNotArriveWithinTheReadTimeout(_ start: String, _ trickle: String) async throws {
        try await Self.withServer(idle: "30s", read: "300ms") { port in
            try await RawConnection.open(port: port) { connection in
                try await connection.send(start)
                // One byte every 50 ms for at most 8 s, while the server keeps the connection.
                var sent = 0
                while connection.isOpen, sent < 160 {
                    try? await connection.send(trickle)
                    sent += 1
                    try await Task.sleep(for: .milliseconds(50))
                }
                let closed = try #require(await connection.closedByServer(within: .seconds(2)), "still open after 8 s of trickling")
                #expect(closed >= .milliseconds(300))
                #expect(closed < .seconds(10), "closed by the read timeout, long before the 30 s idle timeout")
            }
        }
    }

    @Test func aRequestThatArrivesInTimeIsServedAndTheNextOneGetsItsOwnDeadline() async throws {
        try await Self.withServer(read: "3s") { port in
            try await RawConnection.open(port: port) { connection in
                for _ in 0..<8 {
                    // Each request arrives slowly but well within its 3 s; together they take longer than that.
                    try await connection.send("GET /healthz HTTP/1.1\r\n")
                    try await Task.sleep(for: .milliseconds(400))
                    try await connection.send("Host: localhost\r\n\r\n")
                    #expect(try await connection.readResponse().hasPrefix("HTTP/1.1 200"))
                }
            }
        }
    }

    @Test func closesConnectionsBeyondTheCapWhileTheOpenOnesKeepWorking() async throws {
        try await Self.withServer(maxConnections: 2) { port in
            try await RawConnection.open(port: port) { first in
                try await first.send(Self.healthz)
                #expect(try await first.readResponse().hasPrefix("HTTP/1.1 200"))
                try await RawConnection.open(port: port) { second in
                    try await second.send(Self.healthz)
                    #expect(try await second.readResponse().hasPrefix("HTTP/1.1 200"))
                    // The third is accepted by the kernel and closed by the server at once, unanswered.
                    try await RawConnection.open(port: port) { third in
                        try? await third.send(Self.healthz)
                        #expect(await third.closedByServer(within: .seconds(8)) != nil)
                        #expect(third.received.isEmpty)
                    }
                    try await first.send(Self.healthz)
                    #expect(try await first.readResponse().hasPrefix("HTTP/1.1 200"))
                }
                // The second's place is free again once the server has seen it close.
                var served = false
                for _ in 0..<100 where !served {
                    try await RawConnection.open(port: port) { next in
                        try? await next.send(Self.healthz)
                        served = (try? await next.readResponse())?.hasPrefix("HTTP/1.1 200") ?? false
                    }
                    if !served { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(served)
            }
        }
    }

    @Test func theReadTimeoutCoversTheTLSHandshake() async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try TLSTests.makeCertificate(in: directory)
        try await Self.withServer(idle: "30s", read: "300ms", tls: .init(certificate: certificate.path, key: key.path)) { port in
            try await RawConnection.open(port: port) { connection in
                // The first byte of a TLS record, then nothing: the handshake never completes.
                try await connection.send("\u{16}")
                let closed = try #require(await connection.closedByServer(within: .seconds(10)), "still open after 10 s")
                #expect(closed >= .milliseconds(300))
                #expect(closed < .seconds(10), "closed by the read timeout, long before the 30 s idle timeout")
            }
        }
    }
}

/// A raw TCP connection to 127.0.0.1, so a test decides every byte and sees when the server closes.
final class RawConnection {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// When the connection was asked for: the server's timers cannot start earlier.
    private let opened: ContinuousClock.Instant
    /// Everything the server sent.
    private(set) var received = ""
    private var ended = false

    private init(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, opened: ContinuousClock.Instant
    ) {
        self.channel = channel.channel
        self.opened = opened
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects, runs `body`, closes.
    static func open(port: Int, _ body: (RawConnection) async throws -> Void) async throws {
        let opened = ContinuousClock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(channel: channel, inbound: inbound, outbound: outbound, opened: opened))
        }
    }

    var isOpen: Bool { channel.isActive && !ended }

    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads one response with a `Content-Length` body (failing the read after 10 s).
    func readResponse() async throws -> String {
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(10)) { [channel] in channel.close(promise: nil) }
        defer { deadline.cancel() }
        var text = ""
        while true {
            if let end = text.range(of: "\r\n\r\n") {
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { return text }
            }
            guard let buffer = try await inbound.next() else { throw ChannelError.eof }
            text += String(buffer: buffer)
            received += String(buffer: buffer)
        }
    }

    /// Waits for the server to close the connection; nil when it is still open after `limit` (the wait then
    /// closes it). Returns the time since the connection was opened.
    func closedByServer(within limit: Duration) async -> Duration? {
        let gaveUp = NIOLockedValueBox(false)
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) { [channel] in
            gaveUp.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        while !ended {
            do {
                if let buffer = try await inbound.next() { received += String(buffer: buffer) } else { ended = true }
            } catch {
                ended = true  // a reset is a close too
            }
        }
        return gaveUp.withLockedValue { $0 } ? nil : ContinuousClock.now - opened
    }
}
