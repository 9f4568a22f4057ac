@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Testing

struct DigestTests {
    /// RFC 4231 §4.2–4.8, HMAC-SHA256 (case 5 is truncated to 128 bits by the RFC).
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var key: [UInt8]
        var data: [UInt8]
        var expected: String
        var truncatedTo: Int? = nil
        var testDescription: String { name }
    }

    static let rfc4231: [Vector] = [
        Vector(name: "case 1", key: Array(repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
               expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
               expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(name: "case 3", key: Array(repeating: 0xaa, count: 20), data: Array(repeating: 0xdd, count: 50),
               expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(name: "case 4", key: Array(1...25), data: Array(repeating: 0xcd, count: 50),
               expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(name: "case 5", key: Array(repeating: 0x0c, count: 20), data: Array("Test With Truncation".utf8),
               expected: "a3b6167473100ee06e0c796c2955552b", truncatedTo: 16),
        Vector(name: "case 6", key: Array(repeating: 0xaa, count: 131),
               data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
               expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(name: "case 7", key: Array(repeating: 0xaa, count: 131),
               data: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
               expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: rfc4231)
    func hmacMatchesRFC4231(_ vector: Vector) {
        let mac = Digest.hmacSHA256(key: vector.key, message: vector.data)
        #expect(mac.count == 32)
        #expect(ByteEncoding.hex(mac.prefix(vector.truncatedTo ?? 32)) == vector.expected)
    }

    @Test func hmacMatchesGitHubPublishedExample() {
        // docs.github.com "Validating webhook deliveries": secret, payload and the expected header.
        let mac = Digest.hmacSHA256(key: Array("It's a Secret to Everybody".utf8), message: Array("Hello, World!".utf8))
        #expect("sha256=" + ByteEncoding.hex(mac) == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func sha256MatchesFIPSExample() {
        #expect(ByteEncoding.hex(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ByteEncoding.hex(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        let a: [UInt8] = [1, 2, 3, 4]
        #expect(Digest.constantTimeEquals(a, [1, 2, 3, 4]))
        #expect(!Digest.constantTimeEquals(a, [1, 2, 3, 5]))
        #expect(!Digest.constantTimeEquals(a, [1, 2, 3]))
        #expect(!Digest.constantTimeEquals([], [0]))
    }

    @Test func hexAndBase64RoundTripAndRejectGarbage() {
        let bytes: [UInt8] = [0x00, 0x7f, 0x80, 0xff]
        #expect(ByteEncoding.fromHex(ByteEncoding.hex(bytes)) == bytes)
        #expect(ByteEncoding.fromHex("00FF") == [0x00, 0xff])
        #expect(ByteEncoding.fromHex("0g") == nil)
        #expect(ByteEncoding.fromHex("abc") == nil)
        #expect(ByteEncoding.fromBase64(ByteEncoding.base64(bytes)) == bytes)
        #expect(ByteEncoding.fromBase64("AH+A/w") == bytes)  // padding optional
        #expect(ByteEncoding.fromBase64("!!!!") == nil)
    }

    @Test func randomBytesDiffer() {
        #expect(Digest.randomBytes(16) != Digest.randomBytes(16))
        #expect(Digest.randomBytes(12).count == 12)
    }
}
