import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A loopback TCP server that plays a misbehaving HTTP peer byte by byte: it reads each request's head,
/// then follows a script (send bytes, drip them, stream a huge body, hang, reset). It stands in for the
/// Ads API and for channel receivers where ``RecordingServer`` (a well-behaved HTTP server) cannot.
///
/// ```swift
/// let peer = HostilePeer { _ in [.send(HostilePeer.head(200, length: 10)), .drip("x", every: .milliseconds(200))] }
/// try await peer.run { baseURL in … }
/// ```
final class HostilePeer: Sendable {
    enum Step: Sendable {
        /// Writes these bytes.
        case send(String)
        /// Writes `chunk` `times` times (a huge body without holding it in memory).
        case repeated(String, times: Int)
        /// Writes `chunk` again and again, `every` apart, until the client goes away.
        case drip(String, every: Duration)
        /// Writes nothing more and keeps the connection open until the client goes away.
        case hang
        /// Closes with a TCP reset.
        case reset
        /// Closes the connection (FIN), whatever the head said of the body's length.
        case close
        /// Waits this long.
        case pause(Duration)
    }

    private let script: @Sendable (_ request: Int) -> [Step]
    private let onConnect: [Step]
    private let state = NIOLockedValueBox<(requests: [String], closed: Int)>(([], 0))

    /// - Parameters:
    ///   - onConnect: Steps as soon as a connection is accepted, before any request is read (a peer that
    ///     speaks first, or never finishes a TLS handshake); if any, the connection then closes.
    ///   - script: The steps for the n-th request (0-based); after the last step the connection is closed.
    init(onConnect: [Step] = [], _ script: @escaping @Sendable (_ request: Int) -> [Step]) {
        self.onConnect = onConnect
        self.script = script
    }

    /// The heads of the requests received so far.
    var requests: [String] { state.withLockedValue { $0.requests } }
    /// How many connections were closed, by either side.
    var closedConnections: Int { state.withLockedValue { $0.closed } }

    /// A response head; `length` nil means no `Content-Length` (the body ends when the connection does).
    static func head(_ status: Int, length: Int? = nil, _ headers: [String] = []) -> String {
        var lines = ["HTTP/1.1 \(status) Hostile"] + headers
        if let length { lines.append("Content-Length: \(length)") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Runs `body` with the peer listening; passes its base URL (`http://127.0.0.1:port`).
    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        guard let port = server.channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { serving in
                        for try await connection in connections {
                            serving.addTask { await self.serve(connection) }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            try await body("http://127.0.0.1:\(port)")
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let channel = connection.channel
        defer { state.withLockedValue { $0.closed += 1 } }
        try? await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            if !onConnect.isEmpty {
                _ = try await Self.perform(onConnect, channel: channel, inbound: &iterator, outbound: outbound)
                return
            }
            var pending = ""
            // Keep-alive: one script per request head on this connection.
            while true {
                while !pending.contains("\r\n\r\n") {
                    guard let buffer = try await iterator.next() else { return }
                    pending += String(buffer: buffer)
                }
                let end = pending.range(of: "\r\n\r\n")!
                let head = String(pending[..<end.lowerBound])
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                pending = String(pending[end.upperBound...])
                while pending.utf8.count < length {
                    guard let buffer = try await iterator.next() else { return }
                    pending += String(buffer: buffer)
                }
                pending = String(pending.utf8.dropFirst(length)) ?? ""
                let index = state.withLockedValue { state in
                    state.requests.append(head)
                    return state.requests.count - 1
                }
                guard try await Self.perform(script(index), channel: channel, inbound: &iterator, outbound: outbound) else { return }
                // An answer without a framed body ends the connection (its end is the body's end).
                if !Self.framed(script(index)) { return }
            }
        }
    }

    /// Runs `steps`; false when one of them ended the connection.
    private static func perform(
        _ steps: [Step], channel: any Channel, inbound: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> Bool {
        for step in steps {
            switch step {
            case .send(let text):
                try await outbound.write(ByteBuffer(string: text))
            case .repeated(let chunk, let times):
                let buffer = ByteBuffer(string: chunk)
                for _ in 0..<times { try await outbound.write(buffer) }
            case .pause(let duration):
                try await Task.sleep(for: duration)
            case .drip(let chunk, let every):
                while channel.isActive {
                    try await outbound.write(ByteBuffer(string: chunk))
                    try await Task.sleep(for: every)
                }
                return false
            case .hang:
                // Until the client closes (or the test ends): reading sees the end.
                while try await inbound.next() != nil {}
                return false
            case .close:
                return false
            case .reset:
                // SO_LINGER 0: the close that follows sends RST instead of FIN.
                try await (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
                return false
            }
        }
        return true
    }

    /// True when the steps send a head with `Content-Length` (so the connection may carry another request).
    private static func framed(_ steps: [Step]) -> Bool {
        guard case .send(let first) = steps.first else { return false }
        return first.lowercased().contains("content-length:")
    }
}
