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
    public var eventTime: Date?
    public var deliveryID: String?

    /// Thrown when the body is not a JSON object.
    public struct InvalidJSON: Error, Equatable {}

    /// Parses a body.
    /// - Throws: ``InvalidJSON`` when the body is not a JSON object.
    public init(body: [UInt8], paths: FieldPaths) throws {
        try self.init(body: body, locator: FieldLocator(paths))
    }

    /// Parses a body with paths split in advance (once per source, not once per request).
    init(body: [UInt8], locator: FieldLocator) throws {
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
        eventType = first(locator.eventType)?.scalarText
        isKnownType = eventType.map(Self.knownEventTypes.contains) ?? false
        campaignID = first(locator.campaignID)?.scalarText
        brandID = first(locator.brandID)?.scalarText
        eventTime = first(locator.eventTime).flatMap(Self.date)
        deliveryID = first(locator.deliveryID)?.scalarText
    }

    /// ISO 8601 (with or without fractional seconds) or a Unix time in seconds or milliseconds.
    static func date(_ value: JSONValue) -> Date? {
        switch value {
        case .string(let text):
            // Fractional seconds first: the plain style would silently drop them.
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
            return try? Date(text, strategy: .iso8601)
        case .int(let number):
            return Date(timeIntervalSince1970: number > 100_000_000_000 ? TimeInterval(number) / 1000 : TimeInterval(number))
        case .double(let number):
            return Date(timeIntervalSince1970: number > 100_000_000_000 ? number / 1000 : number)
        default:
            return nil
        }
    }
}

/// ``FieldPaths`` with every dotted path split into components.
struct FieldLocator: Sendable {
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
