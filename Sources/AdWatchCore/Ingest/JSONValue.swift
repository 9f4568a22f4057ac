import Foundation

/// A parsed JSON document, enough to find fields by path without a schema.
///
/// The ingest path builds it with ``JSONParser``; `Decodable` is for everything off the hot path.
public indirect enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? c.decode(Double.self) {
            self = .double(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// The value at a dotted path (`data.campaign_id`); array elements by index (`items.0.id`).
    public subscript(path path: String) -> JSONValue? {
        self[components: path.split(separator: ".").map(String.init)]
    }

    /// The value at a path already split into its components.
    subscript(components components: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for component in components {
            switch current {
            case .object(let members): current = members[component]
            case .array(let items): current = Int(component).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    /// A string or a whole number as text (ids arrive as either); nil for anything else.
    public var scalarText: String? {
        switch self {
        case .string(let text): text.isEmpty ? nil : text
        case .int(let number): String(number)
        case .double(let number) where number.rounded() == number && abs(number) < 1e15: String(Int64(number))
        default: nil
        }
    }
}
