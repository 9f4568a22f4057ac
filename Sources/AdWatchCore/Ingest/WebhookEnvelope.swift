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
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            throw InvalidJSON()
        }
        guard case .object = document else { throw InvalidJSON() }
        func first(_ candidates: [String]) -> JSONValue? {
            for path in candidates {
                if let value = document[path: path], value != .null { return value }
            }
            return nil
        }
        eventType = first(paths.eventType)?.scalarText
        isKnownType = eventType.map(Self.knownEventTypes.contains) ?? false
        campaignID = first(paths.campaignID)?.scalarText
        brandID = first(paths.brandID)?.scalarText
        eventTime = first(paths.eventTime).flatMap(Self.date)
        deliveryID = first(paths.deliveryID)?.scalarText
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
