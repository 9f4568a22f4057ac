import AdWatchCore
/// What one HTTP listener allows a client: how long a connection may idle, how long a request may take
/// to arrive, and how many connections may be open at once (`server.idle_timeout`, `server.read_timeout`,
/// `server.max_connections`).
///
/// A client that opens connections and sends nothing, or sends a request a byte at a time, holds a
/// connection (and a file descriptor) for at most these times; the cap bounds what a flood of
/// connections can hold at once. ``ConnectionGuard`` enforces the read timeout and the cap; the idle
/// timeout is Hummingbird's own (`HTTP1Channel.Configuration.idleTimeout`).
struct ListenerLimits: Sendable, Equatable {
    /// A connection with no request in progress (and no complete request headers) is closed after this long.
    var idleTimeout: Duration
    /// A request (headers and body, and over TLS the handshake before the first one) must arrive in full
    /// within this long of its first byte.
    var readTimeout: Duration
    /// Open connections; one more is closed as soon as it is accepted.
    var maxConnections: Int

    init(idleTimeout: Duration = .seconds(60), readTimeout: Duration = .seconds(30), maxConnections: Int = 512) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
    }

    /// The limits `server:` configures.
    init(_ server: ServerConfig) {
        self.init(idleTimeout: server.idleTimeout.duration, readTimeout: server.readTimeout.duration, maxConnections: server.maxConnections)
    }
}
