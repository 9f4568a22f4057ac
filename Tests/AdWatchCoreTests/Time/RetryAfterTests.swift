@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import PropertyBased
import Testing

/// A peer's `Retry-After` and `X-RateLimit-Reset`: every value has a defined, capped wait.
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)  // Sun, 15 Jun 2025 15:06:40 GMT
    static let cap = Duration.seconds(3600)

    @Test(arguments: [
        ("120", Duration?.some(.seconds(120))),
        ("0", .zero),
        (" 7 ", .seconds(7)),
        ("1.5", .milliseconds(1500)),
        ("2e1", .seconds(20)),
        ("inf", .seconds(3600)),
        ("Infinity", .seconds(3600)),
        ("1e300", .seconds(3600)),
        ("99999999999999999999", .seconds(3600)),  // 20 digits
        (String(repeating: "9", count: 400), .seconds(3600)),
        ("3601", .seconds(3600)),
        ("-1", nil),
        ("-inf", nil),
        ("nan", nil),
        ("", nil),
        ("soon", nil),
        ("0x10", nil),
        (String(repeating: "x", count: 10_000), nil),
        ("Sun, 15 Jun 2025 15:07:40 GMT", .seconds(60)),
        ("Sun, 15 Jun 2025 15:00:00 GMT", .zero),  // already passed
        ("Fri, 31 Dec 9999 23:59:59 GMT", .seconds(3600)),  // far future: capped
    ])
    func readsRetryAfter(_ value: String, _ expected: Duration?) {
        #expect(RetryAfter.parse(value, now: Self.now, cap: Self.cap) == expected)
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", Date?.some(Date(timeIntervalSince1970: 784_111_777))),
        ("Thu, 01 Jan 1970 00:00:00 GMT", Date(timeIntervalSince1970: 0)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", Date(timeIntervalSince1970: 253_402_300_799)),
        ("Tue, 29 Feb 2028 12:00:00 GMT", Date(timeIntervalSince1970: 1_835_438_400)),
        ("Sun, 32 Nov 1994 08:49:37 GMT", nil), ("Sun, 06 Foo 1994 08:49:37 GMT", nil), ("Sun, 06 Nov 1994 24:49:37 GMT", nil),
        ("Sunday, 06-Nov-94 08:49:37 GMT", nil), ("Sun Nov  6 08:49:37 1994", nil), ("Sun, 06 Nov 1994 08:49:37 UTC", nil),
        ("S\u{06E8}H\u{FFFD}\u{FFFD}sCY\u{F2}\u{FFFD}R~V", nil),  // the shape of input that trapped Foundation's DateFormatter
    ])
    func readsAnHTTPDateByHand(_ text: String, _ expected: Date?) {
        #expect(RetryAfter.httpDate(text) == expected)
    }

    @Test func anyTwentyNineBytesAreADateOrNot() async {
        // Foundation's DateFormatter trapped on random header bytes; the hand-written parser must not.
        await propertyCheck(count: 2000, input: Gen<UInt8>.value(in: 0...255).array(of: 29)) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = RetryAfter.httpDate(text)
            _ = RetryAfter.parse(text, now: Self.now, cap: Self.cap)
        }
    }

    @Test func noHeaderIsNoWait() {
        #expect(RetryAfter.parse(nil, now: Self.now, cap: Self.cap) == nil)
    }

    @Test(arguments: [
        ("30", Duration?.some(.seconds(30))),
        ("1750000010", .seconds(10)),  // a Unix time 10 s from now
        ("1749999990", .zero),  // a Unix time in the past
        ("1e300", .seconds(3600)),
        ("inf", .seconds(3600)),
        ("-5", .zero),
        ("nan", nil),
        ("later", nil),
    ])
    func readsRateLimitReset(_ value: String, _ expected: Duration?) {
        #expect(RetryAfter.rateLimitReset(value, now: Self.now, cap: Self.cap) == expected)
    }

    /// Random header text: printable, digits with signs and exponents, and arbitrary bytes.
    static let headerText = zip(Gen.int(in: 0...2), Gen<UInt8>.value(in: 0...255).array(of: 0...40), Gen.int64(in: .min ... .max))
        .map { pick, bytes, number -> String in
            switch pick {
            case 0: String(decoding: bytes, as: UTF8.self)
            case 1: "\(number)" + (bytes.first.map { "e\($0)" } ?? "")
            default: String(bytes.map { Character(UnicodeScalar($0 % 95 + 32)) })
            }
        }

    @Test func anyHeaderGivesNoWaitOrAWaitWithinTheCap() async {
        await propertyCheck(count: 1000, input: Self.headerText, Gen.int64(in: 0...86_400_000)) { text, capMS in
            let cap = Duration.milliseconds(capMS)
            for wait in [RetryAfter.parse(text, now: Self.now, cap: cap), RetryAfter.rateLimitReset(text, now: Self.now, cap: cap)] {
                if let wait { #expect(wait >= .zero && wait <= cap, "\(text) gave \(wait)") }
            }
        }
    }

    @Test func anyNumberOfSecondsGivesAWaitWithinTheCap() async {
        await propertyCheck(count: 1000, input: CheckedTimeTests.anyDouble) { seconds in
            let wait = RetryAfter.parse(String(seconds), now: Self.now, cap: Self.cap)
            if seconds.isNaN || seconds < 0 {
                #expect(wait == nil)
            } else {
                let wait = try #require(wait)
                #expect(wait >= .zero && wait <= Self.cap)
            }
        }
    }
}
