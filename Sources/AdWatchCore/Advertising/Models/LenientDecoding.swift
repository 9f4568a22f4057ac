import Foundation

/// Decoding helpers for the Ads API's loose JSON: numbers that arrive as strings, ids that are
/// numbers or strings, blocks that may be missing or null. A value that cannot be read is nil,
/// never an error, so one odd field does not hide the rest of a campaign.
extension KeyedDecodingContainer {
    /// A decimal from a JSON number or a numeric string; nil when absent, null or not a number.
    func lenientDecimal(_ key: Key) -> Decimal? {
        if let number = try? decodeIfPresent(Decimal.self, forKey: key) { return number }
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            return Decimal(string: text.trimmingCharacters(in: .whitespaces), locale: Locale(identifier: "en_US_POSIX"))
                .flatMap { $0.isNaN ? nil : $0 }
        }
        return nil
    }

    /// An integer from a JSON number or a numeric string.
    func lenientInt(_ key: Key) -> Int? {
        if let number = try? decodeIfPresent(Int.self, forKey: key) { return number }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return Int(text) }
        return nil
    }

    /// Text from a JSON string or number (ids arrive as either).
    func lenientString(_ key: Key) -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text }
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        return nil
    }

    /// A boolean, also from `"true"`/`"false"`.
    func lenientBool(_ key: Key) -> Bool? {
        if let flag = try? decodeIfPresent(Bool.self, forKey: key) { return flag }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return Bool(text.lowercased()) }
        return nil
    }

    /// An ISO 8601 date with or without fractional seconds.
    func lenientDate(_ key: Key) -> Date? {
        guard let text = try? decodeIfPresent(String.self, forKey: key) else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date(text, strategy: .iso8601)
    }

    /// Any decodable value, or nil when absent or of another shape.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? decodeIfPresent(T.self, forKey: key)) ?? nil
    }

    /// A list whose unreadable elements are dropped instead of failing the whole list.
    func lenientList<T: Decodable>(_ type: T.Type, _ key: Key) -> [T] {
        (try? decodeIfPresent([Lossy<T>].self, forKey: key))?.compactMap(\.value) ?? []
    }
}

/// Wraps one element of a list so a malformed element becomes nil.
struct Lossy<T: Decodable>: Decodable {
    let value: T?
    init(from decoder: any Decoder) throws {
        value = try? T(from: decoder)
    }
}

/// The Ads API's response wrapper: `{"data": …, "status": 200}`.
package struct AdsAPIResponse<Payload: Decodable>: Decodable {
    package let data: Payload
}

/// The Ads API's error body: `{"status": "error", "message": "…", "code": "…"}`.
///
/// Its text ends up in an event's error, the audit log and the logs, so it is kept short and on one line
/// (``clipped(_:limit:)``): an answer of megabytes, or with control characters, stays the peer's problem.
public struct AdsAPIErrorBody: Decodable, Sendable, Equatable {
    public var status: String?
    public var message: String?
    public var code: String?

    /// The most kept of `message` (`status` and `code` keep ``codeLimit``).
    static let messageLimit = 300
    static let codeLimit = 64
}

extension AdsAPIErrorBody {
    enum CodingKeys: String, CodingKey { case status, message, code }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = c.lenientString(.status).map { Self.clipped($0, limit: Self.codeLimit) }
        message = c.lenientString(.message).map { Self.clipped($0, limit: Self.messageLimit) }
        code = c.lenientString(.code).map { Self.clipped($0, limit: Self.codeLimit) }
    }

    /// One line: control and separator characters become spaces, runs of spaces one, at most `limit`
    /// characters (then `…`).
    static func clipped(_ text: String, limit: Int) -> String {
        var out = ""
        var count = 0
        var pendingSpace = false
        for character in text {
            guard count < limit else { return out + "…" }
            if character.isWhitespace || character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                count += 1
                pendingSpace = false
            }
            out.append(character)
            count += 1
        }
        return out
    }
}
