@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// The hand-written parser must accept and refuse what Foundation's `JSONSerialization` does, except
/// where Foundation is more lenient than RFC 8259 (it tolerates trailing commas; we do not).
struct JSONParserTests {
    static let valid = [
        "{}", "[]", "0", "-0", "1.5e3", "-12.25E-2", "123456789012", "\"\"", "true", "false", "null",
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #" { "spaced" : [ 1 , 2 ] } "#,
        #"{"escapes":"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"}"#,
        #"{"utf8":"Músico/grupo de música ✓"}"#,
        #"{"big":9223372036854775807,"bigger":92233720368547758070,"tiny":1e-300}"#,
        #"{"dup":1,"dup":2}"#,
    ]

    static let invalid = [
        "", " ", "{", "}", "{a:1}", "{'a':1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "[1 2]", "{\"a\" 1}", "\"a\"\"b\"",
        "{} {}", "\"tab\there\"", "NaN", "Infinity",
    ]

    /// Refused by RFC 8259 (and by us) but tolerated by Foundation on Linux.
    static let trailingCommas = ["[1,]", "{\"a\":1,}"]

    @Test(arguments: valid)
    func acceptsWhatFoundationAccepts(_ text: String) throws {
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil, "fixture must be valid")
        _ = try JSONParser.parse(Array(text.utf8))
    }

    @Test(arguments: invalid)
    func refusesWhatFoundationRefuses(_ text: String) {
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil, "fixture must be invalid")
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test(arguments: trailingCommas)
    func refusesTrailingCommas(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func decodesValuesFaithfully() throws {
        let value = try JSONParser.parse(Array(#"{"s":"a\u00e9\ud83d\ude00","i":-42,"d":2.5,"b":true,"n":null,"a":[1,"x"]}"#.utf8))
        #expect(value == .object([
            "s": .string("aé😀"), "i": .int(-42), "d": .double(2.5), "b": .bool(true), "n": .null, "a": .array([.int(1), .string("x")]),
        ]))
    }

    @Test func refusesNestingBeyondTheLimit() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(Array(fine.utf8))
    }

    @Test func matchesFoundationOnEverySampleAndFixture() throws {
        for folder in ["payloads", "fixtures"] {
            let url = TestSupport.samplesURL(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: url.path) where file.hasSuffix(".json") {
                let data = try Data(contentsOf: url.appendingPathComponent(file))
                let ours = try JSONParser.parse(Array(data))
                let theirs = try JSONDecoder().decode(JSONValue.self, from: data)
                #expect(ours == theirs, "\(folder)/\(file)")
            }
        }
    }
}
