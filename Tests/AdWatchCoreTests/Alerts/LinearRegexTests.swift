@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// Silence regexes are matched in linear time: catastrophic-backtracking patterns cost no more than
/// plain ones, and what a linear engine cannot do (backreferences, lookaround) is refused.
struct LinearRegexTests {
    /// Patterns that make a backtracking engine take exponential (or high polynomial) time.
    static let catastrophic: [(pattern: String, value: String, matches: Bool)] = [
        ("(a+)+$", String(repeating: "a", count: 255) + "!", false),
        ("(a|aa)*b", String(repeating: "a", count: 256), false),
        ("(.*a){20}", String(repeating: "a", count: 19) + String(repeating: "b", count: 237), false),
        ("(.*a){20}", String(repeating: "a", count: 256), true),
        ("(a*)*b", String(repeating: "a", count: 256), false),
        (".*.*.*.*.*.*.*.*x", String(repeating: "y", count: 256), false),
        ("(\\w+\\s?)+$", String(repeating: "word ", count: 51) + "!", false),
        ("(a|a?)+", String(repeating: "a", count: 256), true),
    ]

    @Test(arguments: catastrophic)
    func aCatastrophicPatternCostsAtMostLengthTimesProgram(_ example: (pattern: String, value: String, matches: Bool)) throws {
        let regex = try LinearRegex(example.pattern)
        let result = regex.run(example.value)
        #expect(result.matched == example.matches)
        let bound = (example.value.unicodeScalars.count + 1) * regex.programSize
        #expect(result.steps <= bound, "\(result.steps) states visited; a linear engine visits at most \(bound)")
    }

    @Test(arguments: catastrophic)
    func aSilenceMatcherUsesTheLinearEngine(_ example: (pattern: String, value: String, matches: Bool)) throws {
        let matcher = try LabelMatcher(parsing: "campaign_type=~\(example.pattern)")
        #expect(matcher.matches(["campaign_type": example.value]) == example.matches)
    }

    /// Agrees with Swift's `Regex` (whole match) on patterns both accept.
    static let agreement: [String] = [
        "51.*", "5195", "a|b|c", "(?:ab)+", "[a-c]+x?", "[^0-9]*", "\\d{2,4}", "\\w+\\.\\w+", "a{3}", "a{2,}", "(a|ab)(c|bcd)",
        "^abc$", "x*", "", "[-a]", "[a-]", "\\s*\\S+", "colou?r", "é+", "[.]", "a.c", "(foo|bar)baz", "\\D+",
    ]
    static let texts = ["", "a", "ab", "abc", "abcd", "5195", "51", "6195", "xx", "1234", "12345", "aaa", "aaaa", "foo.bar", "-a-", "]a", " \t x",
                        "color", "colour", "a{,2}", "éé", ".", "abc\n", "foobaz", "barbaz", "abcd", "a c", "abbcd"]

    @Test(arguments: agreement)
    func agreesWithSwiftRegexOnWholeMatches(_ pattern: String) throws {
        let linear = try LinearRegex(pattern)
        let reference = try Regex(pattern)
        for text in Self.texts {
            #expect(linear.wholeMatch(text) == ((try? reference.wholeMatch(in: text)) != nil), "/\(pattern)/ on \(text.debugDescription)")
        }
    }

    static let refused: [String] = [
        "(a)\\1", "(?=a)a", "(?!a)b", "(?<=a)b", "(?<name>a)", "(?P<name>a)", "(?i)abc", "\\bword\\b", "\\p{L}+", "[[:alpha:]]+", "a++", "*a", "a|+",
        "(a", "a)", "[a", "a{101}", "(a{100}){100}", "[z-a]", "a{3,2}", "\\", "[\\D]",
        String(repeating: "(", count: 40) + "a" + String(repeating: ")", count: 40),
    ]

    @Test(arguments: refused)
    func whatALinearEngineCannotDoIsRefusedWithAReason(_ pattern: String) {
        #expect(throws: LinearRegex.Refusal.self) { try LinearRegex(pattern) }
        #expect(throws: ConfigError.self) { try LabelMatcher(parsing: "campaign_id=~\(pattern)") }
    }

    @Test func aRefusedPatternSaysWhyInTheSilenceError() throws {
        let error = try #require(throws: ConfigError.self) {
            let now = TestSupport.now
            return try Silence.make(
                matchers: ["campaign_id=~(a)\\1"], startsAt: now, endsAt: now.addingTimeInterval(60), author: "ops", comment: "", now: now
            )
        }
        #expect(error.description.contains("backreferences"))
    }

    @Test func aStoredPatternTheEngineRefusesMatchesNothing() throws {
        let json = #"[{"name":"campaign_id","value":"(a)\\1","isRegex":true}]"#
        let matchers = try JSONDecoder().decode([LabelMatcher].self, from: Data(json.utf8))
        #expect(!matchers[0].matches(["campaign_id": "aa"]))
    }

    @Test(arguments: [
        String(repeating: "n", count: LabelMatcher.maxNameLength + 1) + "=v",
        "campaign_id=" + String(repeating: "v", count: LabelMatcher.maxEqualityValueLength + 1),
    ])
    func overlongNamesAndEqualityValuesAreRefused(_ text: String) {
        #expect(throws: ConfigError.self) { try LabelMatcher(parsing: text) }
    }
}
