public import Foundation

/// A secret from the configuration: a literal, or a reference `env:NAME` or `file:PATH`.
///
/// The value never appears in `description`, `debugDescription`, `dump` or string interpolation:
/// only where it was taken from does. Read the bytes with ``bytes`` at the point of use.
///
/// ```swift
/// let secret = try Secret(parsing: "env:ADWATCH_SYMPHONY_SECRET", resolver: .process)
/// print(secret)   // Secret(env:ADWATCH_SYMPHONY_SECRET)
/// ```
public struct Secret: Sendable, Hashable, Decodable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Where the value came from: `env:NAME`, `file:PATH` or `literal`.
    public let origin: String
    private let value: [UInt8]

    /// Resolves `env:` and `file:` references.
    public struct Resolver: Sendable {
        /// Looks up an environment variable.
        public var environment: @Sendable (String) -> String?
        /// Reads a file's contents.
        public var readFile: @Sendable (String) throws -> Data

        public init(environment: @escaping @Sendable (String) -> String?, readFile: @escaping @Sendable (String) throws -> Data) {
            self.environment = environment
            self.readFile = readFile
        }

        /// The process environment and the real file system.
        public static let process = Resolver(
            environment: { ProcessInfo.processInfo.environment[$0] },
            readFile: { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        )

        /// A fixed environment (tests, `check-config` with overrides), with the real file system.
        public static func environment(_ values: [String: String]) -> Resolver {
            Resolver(environment: { values[$0] }, readFile: { try Data(contentsOf: URL(fileURLWithPath: $0)) })
        }
    }

    /// A literal secret (tests and demos).
    public init(literal: String) {
        self.origin = "literal"
        self.value = Array(literal.utf8)
    }

    /// Parses and resolves a secret reference.
    /// - Throws: ``ConfigError`` without a path when a variable is unset, a file unreadable, or the value empty.
    public init(parsing text: String, resolver: Resolver) throws {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty else { throw ConfigError(path: "", "env: reference needs a variable name") }
            guard let value = resolver.environment(name), !value.isEmpty else {
                throw ConfigError(path: "", "environment variable \(name) is not set or empty")
            }
            self.origin = text
            self.value = Array(value.utf8)
        } else if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            let data: Data
            do {
                data = try resolver.readFile(path)
            } catch {
                throw ConfigError(path: "", "cannot read secret file \(path)")
            }
            // A trailing newline from `echo secret > file` is not part of the secret.
            var bytes = Array(data)
            while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard !bytes.isEmpty else { throw ConfigError(path: "", "secret file \(path) is empty") }
            self.origin = text
            self.value = bytes
        } else {
            guard !text.isEmpty else { throw ConfigError(path: "", "secret is empty") }
            self.origin = "literal"
            self.value = Array(text.utf8)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let resolver = decoder.userInfo[.secretResolver] as? Resolver ?? .process
        do {
            try self.init(parsing: text, resolver: resolver)
        } catch let error as ConfigError {
            throw ConfigError(codingPath: decoder.codingPath, error.message)
        }
    }

    /// The secret's bytes. Use at the point of signing or comparing; never log them.
    package var bytes: [UInt8] { value }

    /// The secret as UTF-8 text (for secrets that are tokens or URLs).
    package var text: String { String(decoding: value, as: UTF8.self) }

    public var description: String { "Secret(\(origin))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["origin": origin]) }
}

extension CodingUserInfoKey {
    /// The ``Secret/Resolver`` used while decoding a configuration.
    public static let secretResolver = CodingUserInfoKey(rawValue: "adwatch.secretResolver")!
}
