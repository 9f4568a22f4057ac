@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// ``JSONValue/jsonText`` writes back what ``JSONParser`` read, numbers as they came.
struct JSONValueWritingTests {
    @Test(arguments: ["campaign-5195.json", "campaign-analytics-5195.json", "campaign-list.json", "creative-performance-5195.json"])
    func roundTripsEveryFixture(_ name: String) throws {
        let bytes = try Data(contentsOf: TestSupport.samplesURL("fixtures").appendingPathComponent(name))
        let value = try JSONParser.parse(Array(bytes))
        let text = value.jsonText
        #expect(try JSONParser.parse(Array(text.utf8)) == value)
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "Foundation reads it too")
    }

    @Test func writesCompactSortedTextWithNumbersAsTheyCame() {
        let value = JSONValue.object([
            "spend": .string("412.50"), "budget": .int(550), "rate": .double(0.25), "big": .int(9_223_372_036_854_775_807),
            "none": .null, "flags": .array([.bool(true), .bool(false)]), "text": .string("a \"quoted\"\nline ✓"),
        ])
        #expect(
            value.jsonText
                == #"{"big":9223372036854775807,"budget":550,"flags":[true,false],"none":null,"rate":0.25,"spend":"412.50","text":"a \"quoted\"\nline ✓"}"#
        )
    }

    @Test func writesNonFiniteDoublesAsNull() {
        #expect(JSONValue.array([.double(.infinity), .double(.nan)]).jsonText == "[null,null]")
    }
}
