public import Foundation

/// The parts of a webhook body the pipeline needs, found by configurable JSON paths.
///
/// Accepts the flat Symphony campaign shape (`{"event": "campaign.updated", "id": 5195, "brand_id": 246, …}`)
/// and the envelope shape (`{"event": …, "timestamp": …, "data": {…}}`).
public struct WebhookEnvelope: Sendable, Equatable {
    /// The campaign lifecycle events of the Symphony Ads API.
    public static let knownEventTypes: Set<String> = [
        "campaign.created", "campaign.updated", "campaign.processing", "campaign.completed", "campaign.failed",
    ]

    public var eventType: String?
    public var isKnownType: Bool
    public var campaignID: String?
    public var brandID: String?
    /// The event's time from the body, when it is a time inside ``eventTimeWindow(now:)``.
    public var eventTime: Date?
    /// Why a value found at an event-time path was dropped, when one was: the event is still accepted,
    /// and the reason goes into its `webhook.accepted` audit record as `event_time_dropped`.
    public var eventTimeDropped: EventTimeDrop?
    public var deliveryID: String?
    /// The identifier fields found in the body but not kept (``identifier(_:maxLength:)``), by name
    /// (`campaign_id`, `brand_id`, `event_type`, `delivery_id`): the event is still accepted, and its
    /// `webhook.accepted` record lists them as `identifiers_dropped`.
    public var identifiersDropped: [String] = []

    /// The longest campaign or brand id kept; they end up in Ads API paths, headers, labels and audit columns.
    public static let maxIDLength = 64
    /// The longest event type or delivery id kept.
    public static let maxNameLength = 256

    /// Why a body's event time was not kept.
    public enum EventTimeDrop: String, Error, Sendable, Equatable {
        /// A time, or a number, outside ``WebhookEnvelope/eventTimeWindow(now:)`` in seconds and in milliseconds
        /// (a nanosecond epoch, `1e300`, an `Int64` extreme, the year 9999, …).
        case outsideWindow = "outside_window"
        /// Not a time at all: NaN, a boolean, an object, text that is not ISO 8601 or digits.
        case notATime = "not_a_time"
    }

    /// Thrown when the body is not a JSON object.
    public struct InvalidJSON: Error, Equatable {}

    /// The earliest event time kept: 2000-01-01T00:00:00Z.
    public static let earliestEventTime = Date(timeIntervalSince1970: 946_684_800)

    /// Event times are kept from 2000-01-01 to one year (366 days) after `now`; anything else in the
    /// body is a sender's bug or an attack, and is dropped rather than stored.
    public static func eventTimeWindow(now: Date) -> ClosedRange<Date> {
        earliestEventTime...max(earliestEventTime, now.addingTimeInterval(366 * 86_400))
    }

    /// Parses a body.
    /// - Parameter now: The receive time, for the event-time window.
    /// - Throws: ``InvalidJSON`` when the body is not a JSON object.
    public init(body: [UInt8], paths: FieldPaths, now: Date) throws {
        try self.init(body: body, locator: FieldLocator(paths), now: now)
    }

    /// Parses a body with paths split in advance (once per source, not once per request).
    package init(body: [UInt8], locator: FieldLocator, now: Date) throws {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw InvalidJSON()
        }
        guard case .object = document else { throw InvalidJSON() }
        func first(_ candidates: [[String]]) -> JSONValue? {
            for path in candidates {
                if let value = document[components: path], value != .null { return value }
            }
            return nil
        }
        var dropped: [String] = []
        func kept(_ value: JSONValue?, _ name: String, maxLength: Int, anyPrintable: Bool = false) -> String? {
            guard let value else { return nil }
            guard let text = Self.identifier(value, maxLength: maxLength, anyPrintable: anyPrintable) else {
                dropped.append(name)
                return nil
            }
            return text
        }
        eventType = kept(first(locator.eventType), "event_type", maxLength: Self.maxNameLength, anyPrintable: true)
        isKnownType = eventType.map(Self.knownEventTypes.contains) ?? false
        campaignID = kept(first(locator.campaignID), "campaign_id", maxLength: Self.maxIDLength)
        brandID = kept(first(locator.brandID), "brand_id", maxLength: Self.maxIDLength)
        if let value = first(locator.eventTime) {
            switch Self.parseEventTime(value, window: Self.eventTimeWindow(now: now)) {
            case .success(let date): eventTime = date
            case .failure(let drop): eventTimeDropped = drop
            }
        }
        deliveryID = kept(first(locator.deliveryID), "delivery_id", maxLength: Self.maxNameLength, anyPrintable: true)
        identifiersDropped = dropped
    }

    /// A scalar's text when it can serve as an identifier: 1…`maxLength` bytes of letters, digits and
    /// `. _ : -` (a campaign id goes into an Ads API path, a brand id into the `x-brand-id` header), or
    /// with `anyPrintable` of printable ASCII without spaces (event types, delivery ids).
    /// Anything else — a 200 kB string, a control character, a slash in an id, an object — is `nil`.
    static func identifier(_ value: JSONValue, maxLength: Int, anyPrintable: Bool = false) -> String? {
        guard let text = value.scalarText, !text.isEmpty, text.utf8.count <= maxLength else { return nil }
        let allowed = text.utf8.allSatisfy { byte -> Bool in
            if anyPrintable { return byte > 0x20 && byte < 0x7F }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"): return true
            default: return false
            }
        }
        return allowed ? text : nil
    }

    /// ISO 8601 (with or without fractional seconds), or a Unix time in seconds or milliseconds, inside `window`.
    ///
    /// A number is read as seconds when that lands inside the window, else as milliseconds when that
    /// does; the two readings of a window from 2000 to next year never overlap (10⁹…2·10⁹ against
    /// 10¹²…2·10¹²), so the choice is never ambiguous. Digits in a string count as a number.
    /// Nothing here converts to an integer, so no value can trap.
    static func parseEventTime(_ value: JSONValue, window: ClosedRange<Date>) -> Result<Date, EventTimeDrop> {
        let seconds: Double
        switch value {
        case .int(let number):
            seconds = Double(number)
        case .double(let number):
            guard number.isFinite else { return .failure(.notATime) }
            seconds = number
        case .string(let text):
            // Bounded: an ISO 8601 time is short, and a huge string must not cost a long parse.
            guard !text.isEmpty, text.utf8.count <= 64 else { return .failure(.notATime) }
            if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                guard let number = Double(text) else { return .failure(.notATime) }
                seconds = number
            } else {
                // Fractional seconds first: the plain style would silently drop them.
                guard let date = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date(text, strategy: .iso8601))
                else { return .failure(.notATime) }
                return window.contains(date) ? .success(date) : .failure(.outsideWindow)
            }
        default:
            return .failure(.notATime)
        }
        for candidate in [seconds, seconds / 1000] {
            let date = Date(timeIntervalSince1970: candidate)
            if window.contains(date) { return .success(date) }
        }
        return .failure(.outsideWindow)
    }
}

/// ``FieldPaths`` with every dotted path split into components.
package struct FieldLocator: Sendable {
    let campaignID: [[String]]
    let brandID: [[String]]
    let eventType: [[String]]
    let eventTime: [[String]]
    let deliveryID: [[String]]

    init(_ paths: FieldPaths) {
        func split(_ list: [String]) -> [[String]] { list.map { $0.split(separator: ".").map(String.init) } }
        campaignID = split(paths.campaignID)
        brandID = split(paths.brandID)
        eventType = split(paths.eventType)
        eventTime = split(paths.eventTime)
        deliveryID = split(paths.deliveryID)
    }
}
