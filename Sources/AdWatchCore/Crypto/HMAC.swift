import CAdWatchOpenSSL

/// HMAC-SHA256, SHA-256 and constant-time comparison from the system libcrypto.
///
/// Every signature AdWatch checks or produces goes through this type, so there is exactly one place
/// where key material meets OpenSSL.
///
/// ```swift
/// let mac = Digest.hmacSHA256(key: Array("key".utf8), message: Array("The quick brown fox".utf8))
/// let same = Digest.constantTimeEquals(mac, expected)
/// ```
package enum Digest {
    /// Length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
    package static let sha256Length = 32

    /// Computes HMAC-SHA256 of `message` under `key`.
    package static func hmacSHA256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        // The one-shot HMAC() is not deprecated in OpenSSL 3.0 and needs no context management.
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                out.withUnsafeMutableBytes { outBytes in
                    HMAC(
                        EVP_sha256(),
                        keyBytes.baseAddress,
                        Int32(keyBytes.count),
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        messageBytes.count,
                        outBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        &outLength
                    )
                }
            }
        }
        precondition(result != nil && Int(outLength) == sha256Length, "libcrypto HMAC-SHA256 failed")
        return Array(out.prefix(Int(outLength)))
    }

    /// Computes SHA-256 of `data`.
    package static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        let data = Array(data)
        var out = [UInt8](repeating: 0, count: sha256Length)
        data.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                _ = SHA256(
                    input.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    input.count,
                    output.baseAddress?.assumingMemoryBound(to: UInt8.self)
                )
            }
        }
        return out
    }

    /// Compares two byte strings in time that depends only on their length (`CRYPTO_memcmp`).
    ///
    /// Different lengths compare unequal at once: the length of a signature is public.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard !lhs.isEmpty else { return true }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
            }
        }
    }

    /// Fills `count` bytes from the libcrypto CSPRNG.
    package static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        precondition(ok == 1, "libcrypto RAND_bytes failed")
        return out
    }
}
