@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Testing

/// `X-Forwarded-For` is believed only from trusted proxies, and then only up to the right-most address
/// that is not one: a table of the cases, and random headers for the properties.
struct ClientAddressTests {
    static let proxies = [IPNetwork("10.0.0.0/8")!, IPNetwork("::1")!, IPNetwork("fd00::/8")!]

    @Test(arguments: [
        // (peer, X-Forwarded-For fields, expected)
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  // an untrusted peer's header is ignored
        ("10.0.0.9", [], "10.0.0.9"),  // a trusted peer without the header is the client
        ("10.0.0.9", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.9", ["192.0.2.66, 198.51.100.1"], "198.51.100.1"),  // what the client wrote on the left is not believed
        ("10.0.0.9", ["198.51.100.1, 10.0.0.5"], "198.51.100.1"),  // trusted hops are skipped
        ("10.0.0.9", ["192.0.2.66", "198.51.100.1, 10.0.0.5"], "198.51.100.1"),  // several fields, in order
        ("10.0.0.9", ["10.0.0.1, 10.0.0.2"], "10.0.0.1"),  // every hop trusted: the left-most
        ("10.0.0.9", ["junk, 10.0.0.5"], "10.0.0.5"),  // junk ends the walk at the last good hop
        ("10.0.0.9", ["198.51.100.1, unknown"], "10.0.0.9"),
        ("10.0.0.9", ["198.51.100.1:4711"], "198.51.100.1"),  // a port is dropped
        ("10.0.0.9", [" 198.51.100.1 ,"], "10.0.0.9"),  // an empty hop is junk
        ("::1", ["2001:DB8:0:0:0:0:0:1"], "2001:db8::1"),  // IPv6, canonical spelling
        ("::1", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("::1", ["2001:db8::7, fd00::3"], "2001:db8::7"),
        ("::1", ["fe80::1%eth0"], "::1"),  // zone ids are not addresses
        ("::ffff:10.0.0.9", ["198.51.100.1"], "198.51.100.1"),  // an IPv4-mapped peer is its IPv4 address
        ("0:0:0:0:0:0:0:1", ["198.51.100.1"], "198.51.100.1"),
        ("2001:db8::9", ["198.51.100.1"], "2001:db8::9"),
        ("10.0.0.9", ["::ffff:198.51.100.1"], "198.51.100.1"),
    ])
    func resolves(_ peer: String, _ forwardedFor: [String], _ expected: String) {
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: forwardedFor, trustedProxies: Self.proxies) == expected)
    }

    @Test func withoutTrustedProxiesTheHeaderNeverCounts() {
        #expect(ClientAddress.resolve(peer: "10.0.0.9", forwardedFor: ["198.51.100.1"], trustedProxies: []) == "10.0.0.9")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["198.51.100.1"], trustedProxies: Self.proxies) == "unknown")
    }

    @Test func aLongChainOfTrustedHopsIsCut() {
        let hops = ["198.51.100.1"] + (1...40).map { "10.0.0.\($0)" }
        let resolved = ClientAddress.resolve(peer: "10.0.0.99", forwardedFor: [hops.joined(separator: ", ")], trustedProxies: Self.proxies)
        #expect(resolved == "10.0.0.\(40 - ClientAddress.maxHops + 1)")
    }

    @Test(arguments: ["", " ", "unknown", "1.2.3", "256.1.1.1", "01.2.3.4", "::g", "1.2.3.4/8", "[::1", "1.2.3.4:5:6", "\u{0}", "1.2.3.4\u{0}junk", String(repeating: "1", count: 10_000)])
    func junkIsNeverAnAddress(_ junk: String) {
        #expect(IPAddress(junk) == nil)
        #expect(ClientAddress.resolve(peer: "10.0.0.9", forwardedFor: [junk], trustedProxies: Self.proxies) == "10.0.0.9")
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.168.1.0/24", "192.168.1.255", true),
        ("192.168.1.0/24", "192.168.2.0", false), ("0.0.0.0/0", "203.0.113.1", true), ("203.0.113.7", "203.0.113.7", true),
        ("203.0.113.7", "203.0.113.8", false), ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("::/0", "2001:db8::1", true), ("::/0", "10.0.0.1", false), ("0.0.0.0/0", "::1", false), ("::ffff:10.0.0.0/104", "10.1.2.3", true),
        ("10.0.0.0/9", "10.127.0.1", true), ("10.0.0.0/9", "10.128.0.1", false),
    ])
    func networksContainTheirAddresses(_ network: String, _ address: String, _ inside: Bool) throws {
        let block = try #require(IPNetwork(network))
        #expect(block.contains(try #require(IPAddress(address))) == inside)
    }

    @Test(arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "/8", "10.0.0.0/ 8", "10.0.0.0/0x8", "::ffff:10.0.0.0/95",
                      "10.0.0.0/99999999999999999999", "example.com/8"])
    func badNetworksAreRefused(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }

    /// Random peers, trusted lists and headers built from addresses and junk: the answer is always the peer
    /// or one of the header's addresses, canonical, never junk; an untrusted peer is always the answer.
    @Test func propertiesHoldForRandomHeaders() {
        var random = SeededRandom(seed: 42)
        let pool = ["10.0.0.1", "10.0.0.2", "198.51.100.1", "203.0.113.5", "::1", "2001:db8::1", "fd00::9", "::ffff:10.0.0.3",
                    "junk", "", "unknown", "1.2.3.4:80", "[2001:db8::2]:8080", "300.0.0.1", "fe80::1%lo", "\u{7f}"]
        let networks = ["10.0.0.0/8", "::1", "fd00::/8", "198.51.100.0/24", "0.0.0.0/0", "2001:db8::/32"].map { IPNetwork($0)! }
        for _ in 0..<3000 {
            let peer = pool.randomElement(using: &random)!
            let trusted = networks.filter { _ in Bool.random(using: &random) }
            let fields = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                (0..<Int.random(in: 1...4, using: &random)).map { _ in pool.randomElement(using: &random)! }.joined(separator: ",")
            }
            let resolved = ClientAddress.resolve(peer: peer, forwardedFor: fields, trustedProxies: trusted)
            #expect(resolved == ClientAddress.resolve(peer: peer, forwardedFor: fields, trustedProxies: trusted))
            guard let peerAddress = IPAddress(peer) else {
                #expect(resolved == (peer.isEmpty ? "unknown" : peer))
                continue
            }
            let candidates = Set([peerAddress.description] + fields.flatMap { $0.split(separator: ",") }.compactMap { ClientAddress.address($0)?.description })
            #expect(candidates.contains(resolved), "\(peer) \(fields) → \(resolved)")
            #expect(IPAddress(resolved)?.description == resolved, "not canonical: \(resolved)")
            if !trusted.contains(where: { $0.contains(peerAddress) }) { #expect(resolved == peerAddress.description) }
        }
    }
}
