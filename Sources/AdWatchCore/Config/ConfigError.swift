/// A configuration problem, with the dotted path of the key it concerns.
///
/// ```
/// sources[0].sceme: unknown key
/// ```
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path of the offending key, e.g. `sources[0].tolerance`; empty for the whole file.
    public var path: String
    /// What is wrong, in words an operator can act on. Never contains a secret's value.
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}

extension ConfigError {
    /// Formats a coding path as `a.b[0].c`.
    static func format(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    init(codingPath: [any CodingKey], _ message: String) {
        self.init(path: Self.format(codingPath), message)
    }

    /// Turns a decoding failure into a message that names the key's path.
    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(codingPath: context.codingPath + [key], "required key is missing")
        case .typeMismatch(let type, let context):
            self.init(codingPath: context.codingPath, "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(codingPath: context.codingPath, "expected \(Self.describe(type)), found null")
        case .dataCorrupted(let context):
            // Yams wraps errors thrown by our own `init(from:)` (unknown keys, bad secrets); keep ours.
            if let own = Self.innermost(context.underlyingError) {
                self = own
            } else {
                self.init(codingPath: context.codingPath, context.debugDescription)
            }
        @unknown default:
            self.init(path: "", "invalid configuration")
        }
    }

    private static func innermost(_ error: (any Error)?) -> ConfigError? {
        switch error {
        case let own as ConfigError: own
        case .dataCorrupted(let context) as DecodingError: innermost(context.underlyingError)
        default: nil
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        if type is String.Type { return "a string" }
        if type is Int.Type || type is Int64.Type { return "an integer" }
        if type is Bool.Type { return "true or false" }
        if type is Double.Type { return "a number" }
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") { return "a mapping" }
        return "a value of type \(name)"
    }
}
