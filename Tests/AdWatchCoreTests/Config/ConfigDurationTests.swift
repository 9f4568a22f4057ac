@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import PropertyBased
import Testing

/// Durations from config files, the admin API and the CLI: checked arithmetic, at most 100 years.
struct ConfigDurationTests {
    @Test(arguments: ["999999999999999d", "9223372036854775807s", "9223372036854775808ms", "106751991167301d", "36501d", "876001h",
                      "36500d1ms", "99999999999999999999999s", "1d" + String(repeating: "9", count: 200) + "h"])
    func aDurationBeyondAHundredYearsIsAnError(_ text: String) {
        #expect(throws: ConfigError.self) { try ConfigDuration(parsing: text) }
        do {
            _ = try ConfigDuration(parsing: text)
        } catch let error as ConfigError {
            #expect(error.message.contains("longer than 100 years"), "\(error)")
            #expect(error.message.count < 160, "the message quotes a bounded part of the input")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aHundredYearsExactlyIsAllowed() throws {
        #expect(try ConfigDuration(parsing: "36500d").duration == ConfigDuration.maximum)
        #expect(try ConfigDuration(parsing: "876000h").duration == ConfigDuration.maximum)
    }

    @Test func anOverlongDurationInTheFileNamesItsKey() {
        let yaml = ConfigTests.minimalSource + "\n    dedup_window: 999999999999999d\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
            Issue.record("accepted a duration of 2.7 trillion years")
        } catch {
            #expect("\(error)".hasPrefix("sources[0].dedup_window: '999999999999999d' is longer than 100 years"), "\(error)")
        }
    }

    @Test func digitsThatAreNotASCIIAreNotANumber() {
        #expect(throws: ConfigError.self) { try ConfigDuration(parsing: "٣s") }
    }

    /// Random duration text: digits of any length with any unit, sums, and random characters.
    static let durationText = zip(Gen.int(in: 0...3), Gen.int64(in: .min ... .max), Gen<UInt8>.value(in: 0...255).array(of: 0...24))
        .map { pick, number, bytes -> String in
            let units = ["ms", "s", "m", "h", "d", "w", ""]
            let unit = units[Int(UInt64(bitPattern: number) % UInt64(units.count))]
            switch pick {
            case 0: return "\(number.magnitude)\(unit)"
            case 1: return "\(number.magnitude % 1000)\(unit)\(number.magnitude)\(units[bytes.count % units.count])"
            case 2: return String(repeating: "9", count: bytes.count) + unit
            default: return String(decoding: bytes, as: UTF8.self)
            }
        }

    @Test func anyTextIsADurationWithinAHundredYearsOrAnError() async {
        await propertyCheck(count: 1000, input: Self.durationText) { text in
            do {
                let parsed = try ConfigDuration(parsing: text)
                #expect(parsed.duration >= .zero && parsed.duration <= ConfigDuration.maximum, "\(text)")
                #expect(!ConfigDuration(parsed.duration).text.isEmpty)
            } catch is ConfigError {
                // A defined refusal.
            }
        }
    }
}
