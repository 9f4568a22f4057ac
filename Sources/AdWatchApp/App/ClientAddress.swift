import Foundation
import HTTPTypes
import Hummingbird
import AdWatchCore

/// Who sent a request: the peer's address, or — only when the peer is one of `server.trusted_proxies` —
/// the right-most address in `X-Forwarded-For` that is not a trusted proxy. Throttles and audit records
/// key on this, so behind a proxy one client cannot lock out every other, and a client that talks to us
/// directly cannot pick its own address by sending the header.
///
/// ```swift
/// let clientAddress = ClientAddress(trustedProxies: config.server.trustedProxies)
/// let who = clientAddress.of(request, context: context)   // "203.0.113.7", "2001:db8::1" or "unknown"
/// ```
struct ClientAddress: Sendable {
    /// `server.trusted_proxies`; empty: `X-Forwarded-For` is never believed.
    let trustedProxies: [IPNetwork]

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// Hops looked at, right to left; a longer chain is cut there (the last trusted hop is the answer).
    static let maxHops = 20

    /// The client's address for this request, in canonical form; `unknown` when there is no peer address.
    func of(_ request: Request, context: AdWatchRequestContext) -> String {
        Self.resolve(peer: context.remoteAddressText, forwardedFor: request.headers[values: Self.forwardedFor], trustedProxies: trustedProxies)
    }

    /// The rule itself, a pure function (property-tested).
    /// - Parameters:
    ///   - peer: The TCP peer's address as text (`nil` when unknown).
    ///   - forwardedFor: Every `X-Forwarded-For` field, in the order received (each a comma-separated list).
    ///   - trustedProxies: The CIDR blocks whose `X-Forwarded-For` is believed.
    /// - Returns: The peer when it is not trusted; else, walking the list from the right, the first address
    ///   not in a trusted block. A hop that is not an address (junk, `unknown`) ends the walk: what lies to its
    ///   left was never vouched for, so the last good hop is the answer. If every hop is trusted, the left-most.
    static func resolve(peer: String?, forwardedFor: [String], trustedProxies: [IPNetwork]) -> String {
        guard let peer else { return "unknown" }
        guard var client = IPAddress(peer) else { return peer.isEmpty ? "unknown" : String(peer.prefix(64)) }
        func trusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(client) else { return client.description }
        let hops = forwardedFor.reversed().lazy.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).reversed() }
        for hop in hops.prefix(maxHops) {
            guard let address = Self.address(hop) else { break }
            client = address
            if !trusted(address) { break }
        }
        return client.description
    }

    /// One hop: an address, optionally with a port as some proxies write it (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
    static func address(_ hop: Substring) -> IPAddress? {
        let text = hop.trimmingCharacters(in: .whitespaces)
        if let address = IPAddress(text) { return address }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let address = IPAddress(parts[0]), address.isIPv4 { return address }
        return nil
    }
}
