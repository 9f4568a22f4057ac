import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, parsed strictly (`inet_pton`) and printed in canonical form, so one host has
/// one spelling (`::1`, never `0:0:0:0:0:0:0:1`). An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is
/// the IPv4 address it maps.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    public let bytes: [UInt8]

    /// Parses `192.0.2.1`, `2001:db8::1` or `[2001:db8::1]`; `nil` for anything else (ports, zone ids, junk).
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("[") && text.hasSuffix("]") && text.count > 2 { text = String(text.dropFirst().dropLast()) }
        // inet_pton is strict, but bound what it is handed: the longest IPv6 text is 45 characters.
        // …and never a NUL, which would end the C string early (`1.2.3.4\0junk`).
        guard !text.isEmpty, text.utf8.count <= 45, !text.utf8.contains(0) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = all.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) ? Array(all.suffix(4)) : all
    }

    public var isIPv4: Bool { bytes.count == 4 }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written: UnsafePointer<CChar>? = bytes.withUnsafeBytes { raw in
            inet_ntop(isIPv4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A CIDR block such as `10.0.0.0/8`, `2001:db8::/32` or a single host (`192.0.2.7`, `::1`):
/// `server.trusted_proxies` lists them.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible, Decodable {
    public let address: IPAddress
    /// Leading bits that must match: 0…32 for IPv4, 0…128 for IPv6.
    public let prefixLength: Int

    /// Parses `ADDRESS/BITS` or a bare address (all bits); `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        // Written as IPv6, the prefix counts IPv6 bits even when the address maps an IPv4 one.
        let writtenAsIPv6 = parts[0].contains(":")
        var length = address.bytes.count * 8
        if parts.count == 2 {
            // Digits only (no sign, no spaces), and no more than three of them: never a trap.
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy(\.isASCIIDigit), let bits = Int(parts[1]), bits <= (writtenAsIPv6 ? 128 : 32)
            else { return nil }
            // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) is the IPv4 block it maps.
            length = writtenAsIPv6 && address.isIPv4 ? bits - 96 : bits
            guard length >= 0 else { return nil }
        }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `candidate` is inside this block (an IPv4 address never is inside an IPv6 block, and back).
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (ours, theirs) in zip(address.bytes, candidate.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            guard ours & mask == theirs & mask else { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let network = IPNetwork(text) else {
            throw ConfigError(codingPath: decoder.codingPath, "'\(text.prefix(64))' is not an IP address or CIDR block (10.0.0.0/8, 2001:db8::/32)")
        }
        self = network
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
