package import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import AdWatchCore

/// Owns the application's one HTTP client and shuts it down after the services that use it have
/// stopped (services shut down in reverse order of registration).
package struct HTTPClientService: Service {
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await client.shutdown()
        } catch {
            logger.error("HTTP client shutdown failed", metadata: ["http.error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// The configuration of every client AdWatch sends with (Ads API, channels, `adwatch send`, the demo).
    ///
    /// Redirects are never followed: AsyncHTTPClient would carry `x-api-key`, a Postmark token or an alert
    /// body to whatever host a `Location` names. A 3xx reaches the caller, which reports it as an error.
    static var outboundConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// A new client with ``outboundConfiguration``; whoever makes it shuts it down.
    package static func makeClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: outboundConfiguration)
    }

    /// Our words for a 3xx that was not followed: the host that answered and the host it pointed to
    /// (hosts only: a Slack webhook URL's path is its secret, and a Location is the peer's text).
    static func redirectDetail(from url: String, location: String?) -> String {
        let receiver = host(of: url) ?? "the receiver"
        // A relative Location stays on the receiver's host.
        let target = location.map { host(of: $0) ?? receiver } ?? "nowhere (no Location)"
        return "\(receiver) redirected to \(target); redirects are not followed"
    }

    /// `host[:port]` of a URL, never its path or query (a Slack webhook URL's path is its secret).
    static func host(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host else { return nil }
        // Whatever a peer put in its Location, only host characters are shown.
        let clean = String(host.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0)) }.prefix(100))
        guard !clean.isEmpty else { return nil }
        let shown = clean.contains(":") ? "[\(clean)]" : clean
        return components.port.map { "\(shown):\($0)" } ?? shown
    }
}
