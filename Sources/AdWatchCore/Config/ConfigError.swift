/// A configuration problem, with the dotted path of the key it concerns and, when it came from a
/// file, where in the file.
///
/// ```
/// sources[0].sceme: unknown key (adwatch.yaml:7:5)
/// ```
///
/// Never quotes the offending line: a malformed line may hold a secret literal.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path of the offending key, e.g. `sources[0].tolerance`; empty for the whole file.
    public var path: String
    /// What is wrong, in words an operator can act on. Never contains a secret's value.
    public var message: String
    /// The file, when the configuration was read from one.
    public var file: String?
    /// Where in the YAML (1-based), when known.
    public var line: Int?
    public var column: Int?

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        let text = path.isEmpty ? message : "\(path): \(message)"
        switch (file, line, column) {
        case let (file?, line?, column?): return "\(text) (\(file):\(line):\(column))"
        case let (nil, line?, column?): return "\(text) (line \(line), column \(column))"
        case let (file?, _, _): return "\(text) (\(file))"
        default: return text
        }
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
