/// A coding key for any string, used to list the keys a mapping actually has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws a ``ConfigError`` naming the first key of this mapping that `Keys` does not list.
    ///
    /// Every configuration type calls this first in `init(from:)`, so a typo such as `tolerence:`
    /// is an error with its path rather than a silently ignored setting (the `UnmarshalStrict`
    /// lesson from Alertmanager).
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        if let first = unknown.first {
            let allowed = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw ConfigError(codingPath: codingPath + [AnyCodingKey(stringValue: first)], "unknown key (allowed here: \(allowed))")
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an optional value, or returns `defaultValue` when the key is absent or null.
    func decode<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }
}

extension KeyedDecodingContainer {
    /// Decodes a value of an explicit type, or returns `defaultValue` when the key is absent or null.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key, default defaultValue: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? defaultValue
    }
}
