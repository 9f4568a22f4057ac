import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
import AdWatchCore

/// Guards one accepted connection: closes it at once when its listener already has
/// ``ListenerLimits/maxConnections`` open, and closes it when a request does not arrive in full within
/// ``ListenerLimits/readTimeout`` of its first byte.
///
/// Hummingbird adds it to every connection's pipeline after HTTP decoding
/// (`HTTP1Channel.Configuration.additionalChannelHandlers`), where it sees each request end. A request's
/// first bytes come long before its decoded head (a client can send headers a byte at a time), so the
/// guard also puts a ``ByteWatcher`` at the front of the pipeline, where raw bytes (over TLS: the
/// handshake too) arrive. Hummingbird's idle timeout would not help there: it counts decoded parts,
/// so a body trickled a byte at a time keeps a connection forever.
///
/// The deadline starts at the first byte read while no deadline runs and ends when a request is complete;
/// bytes after that start the next request's deadline. Everything runs on the connection's event loop.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let readTimeout: TimeAmount
    private let connections: OpenConnections
    private let logger: Logger
    private var isCounted = false
    private var readDeadline: Scheduled<Void>?

    init(readTimeout: Duration, connections: OpenConnections, logger: Logger) {
        self.readTimeout = TimeAmount(readTimeout)
        self.connections = connections
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            try context.pipeline.syncOperations.addHandler(ByteWatcher(owner: self), position: .first)
        } catch {
            // Without the watcher the read timeout cannot be kept: refuse the connection rather than serve it unguarded.
            context.close(promise: nil)
        }
        if context.channel.isActive { admit(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        admit(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            readDeadline?.cancel()
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    /// Counts the connection, or closes it when the listener is full.
    private func admit(context: ChannelHandlerContext) {
        guard !isCounted else { return }
        if connections.open(logger: logger) {
            isCounted = true
        } else {
            context.close(promise: nil)
        }
    }

    /// Ends the connection's claims: its place in the count and its deadline.
    private func release() {
        readDeadline?.cancel()
        readDeadline = nil
        if isCounted {
            connections.close()
            isCounted = false
        }
    }

    /// Raw bytes arrived: they belong to a request, which must now be complete within the read timeout.
    fileprivate func bytesArrived(on channel: any Channel) {
        guard readDeadline == nil else { return }
        let logger = logger
        let timeout = readTimeout
        readDeadline = channel.eventLoop.scheduleTask(in: timeout) {
            logger.debug(
                "closing a connection whose request did not arrive within the read timeout",
                metadata: [
                    "net.peer.address": "\(channel.remoteAddress?.ipAddress ?? "-")", "server.read_timeout_ms": "\(timeout.nanoseconds / 1_000_000)",
                ]
            )
            channel.close(promise: nil)
        }
    }

    /// Sits first in the pipeline and tells its guard whenever bytes arrive.
    final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        private let owner: ConnectionGuard

        init(owner: ConnectionGuard) {
            self.owner = owner
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            owner.bytesArrived(on: context.channel)
            context.fireChannelRead(data)
        }
    }

    /// The open connections of one listener, counted across its event loops.
    final class OpenConnections: Sendable {
        private struct State {
            var open = 0
            var refusedSinceWarning = 0
            var lastWarning: NIODeadline?
        }

        let limit: Int
        private let state = NIOLockedValueBox(State())

        init(limit: Int) {
            self.limit = limit
        }

        /// Connections open now.
        var current: Int { state.withLockedValue { $0.open } }

        /// Counts one more connection unless `limit` are open.
        /// - Returns: false when the connection must be refused; a warning is logged at most once a minute.
        func open(logger: Logger) -> Bool {
            let now = NIODeadline.now()
            let refused: Int? = state.withLockedValue { state in
                guard state.open >= limit else {
                    state.open += 1
                    return nil
                }
                state.refusedSinceWarning += 1
                if let last = state.lastWarning, now - last < .minutes(1) { return 0 }
                defer {
                    state.lastWarning = now
                    state.refusedSinceWarning = 0
                }
                return state.refusedSinceWarning
            }
            guard let refused else { return true }
            if refused > 0 {
                logger.warning(
                    "connection limit reached: closing new connections at once",
                    metadata: ["server.max_connections": "\(limit)", "server.refused_connections": "\(refused)"]
                )
            }
            return false
        }

        /// Counts a connection as closed.
        func close() {
            state.withLockedValue { $0.open -= 1 }
        }
    }
}
