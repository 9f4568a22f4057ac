@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import PropertyBased
import Testing

/// Time conversions on numbers from outside: defined results, never a trap.
struct CheckedTimeTests {
    /// Any `Double` at all: every bit pattern (NaN, ±∞, subnormals, ±1e300) half the time, plus the
    /// edges of `Int64` and the ranges real timestamps live in.
    static let anyDouble = zip(Gen.int(in: 0...3), Gen<UInt64>.value(in: .min ... .max), Gen.int64(in: .min ... .max))
        .map { pick, bits, integer -> Double in
            switch pick {
            case 0, 1: Double(bitPattern: bits)
            case 2: Double(integer)
            default: [0x1p63, -0x1p63, 0x1p63.nextDown, .nan, .infinity, -.infinity, 1e300, -1e300, 1.7e18, 1.7e15, 1.7e12, 1.7e9][Int(bits % 12)]
            }
        }

    @Test(arguments: [
        (Double.nan, Int64(0)), (.infinity, .max), (-.infinity, .min), (1e300, .max), (-1e300, .min),
        (0x1p63, .max), (-0x1p63, .min), (0x1p63.nextDown, Int64(0x1p63.nextDown)), (-2.9, -2), (2.9, 2),
    ])
    func clampsADoubleToInt64(_ value: Double, _ expected: Int64) {
        #expect(CheckedTime.int64(clamping: value) == expected)
    }

    @Test func aDateBeyondInt64MillisecondsIsClampedNotATrap() {
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: 1e300)) == Int64.max / 1000)
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: -1e300)) == Int64.min / 1000 - 1)
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: .nan)) == 0)
        // A nanosecond epoch read as seconds: the trap of issue 11.
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: 1_700_000_000_000_000_000)) == Int64.max / 1000)
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: 1_740_082_512.923)) == 1_740_082_512_923)
        #expect(SQLiteStore.milliseconds(Date(timeIntervalSince1970: -0.0005)) == -1)
    }

    @Test func durationsInMillisecondsSaturate() {
        #expect(CheckedTime.milliseconds(Duration.seconds(Int64.max)) == .max)
        #expect(CheckedTime.milliseconds(Duration.seconds(Int64.min)) == .min)
        #expect(CheckedTime.milliseconds(Duration.milliseconds(1500)) == 1500)
        #expect(CheckedTime.adding(.max, 1) == .max)
        #expect(CheckedTime.subtracting(.min, 1) == .min)
        #expect(CheckedTime.subtracting(5, .min) == .max)
    }

    @Test func everyDateHasMillisecondsAndRoundTrips() async {
        await propertyCheck(count: 500, input: Self.anyDouble) { seconds in
            let ms = SQLiteStore.milliseconds(Date(timeIntervalSince1970: seconds))
            if seconds.isNaN {
                #expect(ms == 0)
            } else if abs(seconds) < 9e12 {
                // Rounded down, never after the instant: at most a millisecond (plus float error) before it.
                let back = SQLiteStore.date(ms).timeIntervalSince1970
                #expect(back <= seconds + 1e-6 * max(1, abs(seconds)))
                #expect(seconds - back < 0.001 + 1e-9 * abs(seconds))
            } else if abs(seconds) > 9.3e12 {
                // Beyond what Int64 microseconds hold: clamped to the ends.
                #expect(ms == (seconds > 0 ? Int64.max / 1000 : Int64.min / 1000 - 1))
            }
        }
    }

    @Test func everyInt64MillisecondValueIsADate() async {
        await propertyCheck(count: 500, input: Gen.int64(in: .min ... .max)) { ms in
            let date = SQLiteStore.date(ms)
            #expect(date.timeIntervalSince1970.isFinite)
            // Exact where a Double holds the value exactly.
            if abs(ms) < 1 << 50 { #expect(SQLiteStore.milliseconds(date) == ms) }
        }
    }

    @Test func aCappedWaitFromAnyNumberOfSecondsIsWithinItsCap() async {
        await propertyCheck(count: 500, input: Self.anyDouble) { seconds in
            let wait = CheckedTime.duration(seconds: seconds, cap: .seconds(3600))
            if seconds.isNaN {
                #expect(wait == nil)
            } else {
                let wait = try #require(wait)
                #expect(wait >= .zero && wait <= .seconds(3600))
            }
        }
    }
}
