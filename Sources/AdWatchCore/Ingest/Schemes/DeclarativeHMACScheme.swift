public import Foundation
public import HTTPTypes

/// The signed content of the declarative `hmac` scheme: literal text with `{body}`, `{timestamp}`
/// and `{id}` placeholders, e.g. `{timestamp}.{body}`.
public struct SignedContentTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case body, timestamp, id

        /// The placeholder's name, nil for literal text.
        var placeholder: String? {
            switch self {
            case .literal: nil
            case .body: "body"
            case .timestamp: "timestamp"
            case .id: "id"
            }
        }
    }

    let parts: [Part]

    /// - Throws: ``ConfigError`` without a path for an unknown placeholder, a template without `{body}`,
    ///   or two placeholders with no literal text between them (`{id}{timestamp}`): the receiver could
    ///   not tell where one value ends, so one signature would fit several (id, timestamp) pairs.
    public init(parsing template: String) throws {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.literal(Array(rest[..<open].utf8))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ConfigError(path: "", "unclosed '{' in signed template")
            }
            switch rest[rest.index(after: open)..<close] {
            case "body": parts.append(.body)
            case "timestamp": parts.append(.timestamp)
            case "id": parts.append(.id)
            case let other: throw ConfigError(path: "", "unknown placeholder {\(other)}; use {body}, {timestamp} or {id}")
            }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(Array(rest.utf8))) }
        guard parts.contains(.body) else { throw ConfigError(path: "", "the signed template must include {body}") }
        for (first, second) in zip(parts, parts.dropFirst()) {
            if let first = first.placeholder, let second = second.placeholder {
                throw ConfigError(
                    path: "",
                    "adjacent placeholders {\(first)}{\(second)} are ambiguous; put literal text between them, e.g. \"{\(first)}.{\(second)}\""
                )
            }
        }
        self.parts = parts
    }

    var usesTimestamp: Bool { parts.contains(.timestamp) }
    var usesID: Bool { parts.contains(.id) }

    func render(body: [UInt8], timestamp: String?, id: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 64)
        for part in parts {
            switch part {
            case .literal(let bytes): out += bytes
            case .body: out += body
            case .timestamp: out += Array((timestamp ?? "").utf8)
            case .id: out += Array((id ?? "").utf8)
            }
        }
        return out
    }
}

/// A fully declarative HMAC-SHA256 scheme: header, optional prefix, hex or base64, a signed-content
/// template and optional timestamp and id headers. This is how an undocumented scheme (such as
/// Symphony's) is configured without code.
///
/// The timestamp and id headers are read only when the template signs them (`{timestamp}`, `{id}`):
/// an unsigned header could be rewritten by anyone replaying a captured request, so honouring it
/// would make a source look replay-protected when it is not. (Configuration validation refuses such
/// a header outright; the scheme ignores it as a second line of defence.)
///
/// ```yaml
/// scheme: hmac
/// header: X-Symphony-Signature
/// prefix: "sha256="
/// encoding: hex
/// signed: "{timestamp}.{body}"
/// timestamp_header: X-Symphony-Timestamp
/// ```
public struct DeclarativeHMACScheme: SignatureScheme {
    public let name = "hmac"
    public var signatureHeaderNames: [HTTPField.Name] { [header] }
    let keys: [[UInt8]]
    let tolerance: Duration
    let header: HTTPField.Name
    let prefix: String
    let encoding: SourceConfig.Encoding
    let template: SignedContentTemplate
    let timestampHeader: HTTPField.Name?
    let idHeader: HTTPField.Name?

    public init(
        keys: [[UInt8]],
        tolerance: Duration,
        header: HTTPField.Name,
        prefix: String,
        encoding: SourceConfig.Encoding,
        template: SignedContentTemplate,
        timestampHeader: HTTPField.Name?,
        idHeader: HTTPField.Name?
    ) {
        precondition(!keys.isEmpty, "a signature scheme needs at least one key")
        self.keys = keys
        self.tolerance = tolerance
        self.header = header
        self.prefix = prefix
        self.encoding = encoding
        self.template = template
        self.timestampHeader = template.usesTimestamp ? timestampHeader : nil
        self.idHeader = template.usesID ? idHeader : nil
    }

    public func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure> {
        guard let value = request.headers[header] else { return .failure(.missingSignature) }
        var id: String?
        if let idHeader {
            guard let found = request.headers[idHeader], !found.isEmpty else { return .failure(.missingID) }
            id = found
        }
        var timestampText: String?
        var timestamp: Date?
        if let timestampHeader {
            guard let found = request.headers[timestampHeader] else { return .failure(.missingTimestamp) }
            guard let parsed = Self.parseUnixSeconds(found) else { return .failure(.malformedTimestamp) }
            timestampText = found
            timestamp = parsed
        }
        // Several signatures may be listed (during the sender's own rotation), separated by commas or spaces.
        let candidates = value.split(whereSeparator: { $0 == "," || $0 == " " }).compactMap { token -> [UInt8]? in
            guard token.hasPrefix(prefix) else { return nil }
            let encoded = token.dropFirst(prefix.count)
            let bytes = encoding == .hex ? ByteEncoding.fromHex(encoded) : ByteEncoding.fromBase64(encoded)
            return bytes.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard !candidates.isEmpty, candidates.count <= Self.maxSignatureCandidates else { return .failure(.malformedSignature) }
        let content = template.render(body: request.body, timestamp: timestampText, id: id)
        guard Self.anyMatches(keys: keys, content: content, candidates: candidates) else {
            return .failure(.signatureMismatch)
        }
        if let timestamp, !Self.isWithin(tolerance, timestamp, of: now) {
            return .failure(.timestampOutsideTolerance)
        }
        return .success(VerifiedDelivery(deliveryID: id, deliveryIDIsSigned: id != nil, timestamp: timestamp))
    }

    public func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields {
        let seconds = String(Int64(timestamp.timeIntervalSince1970))
        let mac = Digest.hmacSHA256(key: keys[0], message: template.render(body: body, timestamp: seconds, id: id))
        var fields: HTTPFields = [header: prefix + (encoding == .hex ? ByteEncoding.hex(mac) : ByteEncoding.base64(mac))]
        if let timestampHeader { fields[timestampHeader] = seconds }
        if let idHeader { fields[idHeader] = id }
        return fields
    }
}
