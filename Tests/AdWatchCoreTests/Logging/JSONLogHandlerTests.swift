@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

struct JSONLogHandlerTests {
    /// A logger whose lines land in `lines`.
    static func logger(_ lines: NIOLockedValueBox<[String]>, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "adwatch") { label in
            JSONLogHandler(label: label, level: level) { line in lines.withLockedValue { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "req-42"
        return logger
    }

    @Test func writesOneJSONObjectPerLineWithMetadataAsFields() throws {
        let lines = NIOLockedValueBox<[String]>([])
        let logger = Self.logger(lines)
        logger.info("stored webhook", metadata: ["webhook.source": "symphony", "attempts": .array(["1", "2"]), "message": "not the message"])
        logger.debug("below the level")
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        #expect(written[0].hasSuffix("}\n"))
        #expect(!written[0].dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "stored webhook")  // reserved fields win over metadata
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "adwatch")
        #expect(object["hb.request.id"] as? String == "req-42")
        #expect(object["webhook.source"] as? String == "symphony")
        #expect(object["attempts"] as? [String] == ["1", "2"])
        let at = try #require(object["at"] as? String)
        #expect(at.hasSuffix("Z"))
        #expect(object["file"] == nil)
    }

    @Test func errorsCarryTheirSourceLocation() throws {
        let lines = NIOLockedValueBox<[String]>([])
        Self.logger(lines).error("store failed")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines.withLockedValue { $0[0] }.utf8)) as? [String: Any])
        #expect((object["file"] as? String)?.contains("JSONLogHandlerTests.swift:") == true)
    }

    @Test(arguments: [
        (LoggingConfig.Format.auto, true, false), (.auto, false, true), (.json, true, true), (.text, false, false),
    ])
    func formatFollowsTheConfigAndTheTerminal(_ format: LoggingConfig.Format, _ isTerminal: Bool, _ json: Bool) {
        #expect(LoggingConfig(format: format).writesJSON(isTerminal: isTerminal) == json)
    }
}
