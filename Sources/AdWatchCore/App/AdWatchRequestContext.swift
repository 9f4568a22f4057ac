public import Hummingbird
public import NIOCore

/// The request context of every AdWatch route: Hummingbird's core storage plus the peer address,
/// which rejection audit records carry.
public struct AdWatchRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, when known.
    var remoteAddressText: String? {
        remoteAddress?.ipAddress
    }
}
