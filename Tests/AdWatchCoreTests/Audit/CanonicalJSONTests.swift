@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

struct CanonicalJSONTests {
    @Test func sortsKeysAndWritesCompactJSON() {
        #expect(CanonicalJSON.encode(["b": .int(2), "a": .string("x"), "c": .bool(false)]) == #"{"a":"x","b":2,"c":false}"#)
        #expect(CanonicalJSON.encode([String: AuditValue]()) == "{}")
    }

    @Test func escapesWhatJSONRequiresAndRoundTrips() throws {
        let tricky = "quote\" backslash\\ newline\n tab\t bell\u{07} é 😀 </script>"
        let text = CanonicalJSON.encode(["k": .string(tricky), "n": .int(-9_223_372_036_854_775_808)])
        #expect(text.contains(#"\u0007"#))
        let decoded = try JSONDecoder().decode([String: AuditValue].self, from: Data(text.utf8))
        #expect(decoded == ["k": .string(tricky), "n": .int(.min)])
    }
}
