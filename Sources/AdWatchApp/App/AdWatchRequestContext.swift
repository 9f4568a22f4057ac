public import Foundation
public import Hummingbird
public import NIOCore
import AdWatchCore

/// The request context of every AdWatch route: Hummingbird's core storage plus the peer address,
/// which rejection audit records carry.
public struct AdWatchRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client behind trusted proxies (``ClientAddress``), where a route resolved it; else the peer.
    var clientAddress: String?

    /// The largest body `request.decode` reads (the admin API's JSON); a silence request is a few KiB.
    /// Webhook routes read up to their source's `max_body_bytes` themselves.
    public var maxUploadSize: Int { 64 * 1024 }

    /// Admin requests decode JSON with ISO 8601 dates.
    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text, when known.
    var remoteAddressText: String? {
        remoteAddress?.ipAddress
    }

    /// What throttles and rejection budgets key on: the resolved client, else the peer, else `unknown`.
    var clientKey: String {
        clientAddress ?? remoteAddressText ?? "unknown"
    }
}
