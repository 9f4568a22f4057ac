@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A body's event time: kept inside 2000 … now + 1 year (seconds or milliseconds), otherwise dropped
/// and audited — the event itself is still accepted.
struct EventTimeTests {
    static let now = TestSupport.now  // 2025-12-01T00:00:00Z
    static let window = WebhookEnvelope.eventTimeWindow(now: now)

    static func time(_ json: String) throws -> (Date?, WebhookEnvelope.EventTimeDrop?) {
        let envelope = try WebhookEnvelope(body: Array(#"{"id":1,"timestamp":\#(json)}"#.utf8), paths: FieldPaths(), now: now)
        return (envelope.eventTime, envelope.eventTimeDropped)
    }

    @Test(arguments: [
        ("1764547200", Date?.some(Date(timeIntervalSince1970: 1_764_547_200))),  // seconds
        ("1764547200123", Date(timeIntervalSince1970: 1_764_547_200.123)),  // milliseconds
        ("1764547200.5", Date(timeIntervalSince1970: 1_764_547_200.5)),
        ("\"1764547200\"", Date(timeIntervalSince1970: 1_764_547_200)),  // digits in a string
        ("\"2025-12-01T00:00:00Z\"", Date(timeIntervalSince1970: 1_764_547_200)),
        ("946684800", Date(timeIntervalSince1970: 946_684_800)),  // 2000-01-01, the earliest kept
    ])
    func keepsATimeInsideTheWindow(_ json: String, _ expected: Date?) throws {
        let (time, dropped) = try Self.time(json)
        #expect(time == expected)
        #expect(dropped == nil)
    }

    @Test(arguments: [
        ("1700000000000000000", WebhookEnvelope.EventTimeDrop.outsideWindow),  // nanoseconds
        ("1700000000000000", .outsideWindow),  // microseconds
        ("1e300", .outsideWindow), ("-1e300", .outsideWindow), ("9223372036854775807", .outsideWindow),
        ("-9223372036854775808", .outsideWindow), ("18446744073709551616", .outsideWindow), ("1e999", .notATime),
        ("0", .outsideWindow), ("-1", .outsideWindow), ("946684799", .outsideWindow),
        ("1900000000", .outsideWindow),  // 2030: more than a year ahead
        ("\"9999-12-31T23:59:59Z\"", .outsideWindow), ("\"1970-01-01T00:00:00Z\"", .outsideWindow),
        ("\"yesterday\"", .notATime), ("true", .notATime), ("{\"at\":1}", .notATime), ("[1764547200]", .notATime),
        ("\"\(String(repeating: "9", count: 100))\"", .notATime),
    ])
    func dropsAnythingElse(_ json: String, _ reason: WebhookEnvelope.EventTimeDrop) throws {
        let (time, dropped) = try Self.time(json)
        #expect(time == nil)
        #expect(dropped == reason)
    }

    @Test func noTimeIsNothingDropped() throws {
        let envelope = try WebhookEnvelope(body: Array(#"{"id":1,"timestamp":null}"#.utf8), paths: FieldPaths(), now: Self.now)
        #expect(envelope.eventTime == nil && envelope.eventTimeDropped == nil)
    }

    /// Through the route into a real SQLite file (where a nanosecond epoch used to trap): every body is
    /// accepted, the time is dropped, and the `webhook.accepted` record says so.
    @Test func anExtremeTimeInASignedBodyIsAcceptedDroppedAndAudited() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.openStore()
        let extremes = ["1700000000000000000", "1e300", "-1e300", "9223372036854775807", "-9223372036854775808", "\"9999-12-31T00:00:00Z\""]
        let clock = ManualWallClock(Self.now)
        let app = try await buildApplication(config: TestSupport.config(), dependencies: Dependencies(store: store, clock: clock, logger: .init(label: "test")))
        try await app.test(.router) { client in
            for (index, value) in extremes.enumerated() {
                let body = Array(#"{"event":"campaign.updated","id":5195,"brand_id":246,"timestamp":\#(value)}"#.utf8)
                let response = try await client.execute(
                    uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "msg_\(index)"), body: ByteBuffer(bytes: body)
                )
                #expect(response.status == .accepted, "\(value)")
            }
            // One inside the window keeps its time and drops nothing.
            let body = Array(#"{"event":"campaign.updated","id":5195,"brand_id":246,"timestamp":1764547100}"#.utf8)
            let response = try await client.execute(
                uri: "/webhooks/symphony", method: .post, headers: TestSupport.signedHeaders(body: body, id: "msg_ok"), body: ByteBuffer(bytes: body)
            )
            #expect(response.status == .accepted)
        }
        // The application closed its store on shutdown; read the file again.
        let reader = try await database.openStore()
        let records = try await reader.records(from: 0, limit: 100).filter { $0.kind == "webhook.accepted" }
        #expect(records.count == extremes.count + 1)
        for record in records.prefix(extremes.count) {
            #expect(record.details.contains(#""event_time_dropped":"outside_window""#), "\(record.details)")
        }
        #expect(records.last.map { !$0.details.contains("event_time_dropped") } == true)
        // The stored time falls back to the signed webhook-timestamp (inside the tolerance), never the body's value.
        for record in records {
            let id = try #require(record.details.split(separator: "\"").drop { $0 != "event_id" }.dropFirst(2).first.map(String.init))
            let event = try #require(try await reader.event(id: id))
            let time = try #require(event.eventTime)
            #expect(Self.window.contains(time))
        }
        try await reader.close()
    }
}
