import Foundation
import HTTPTypes
import Yams

/// Reads, decodes and validates the YAML configuration.
///
/// ```swift
/// let config = try ConfigLoader.load(path: "samples/config/adwatch.yaml")
/// ```
public enum ConfigLoader {
    /// Loads and validates a configuration file.
    /// - Parameters:
    ///   - path: The YAML file.
    ///   - resolver: Resolves `env:` and `file:` secret references (the process environment by default).
    /// - Throws: ``ConfigError`` naming the key's path, the file, the line and the column.
    public static func load(path: String, resolver: Secret.Resolver = .process) throws -> AdWatchConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(path: "", "cannot read \(path)")
        }
        do {
            return try parse(yaml: text, resolver: resolver)
        } catch var error as ConfigError {
            error.file = path
            throw error
        }
    }

    /// Decodes and validates configuration text.
    /// - Throws: ``ConfigError`` naming the key's path and, where the YAML has it, the line and column.
    public static func parse(yaml: String, resolver: Secret.Resolver = .process) throws -> AdWatchConfig {
        let config: AdWatchConfig
        do {
            config = try YAMLDecoder().decode(AdWatchConfig.self, from: yaml, userInfo: [.secretResolver: resolver])
            try config.validate()
        } catch let error as ConfigError {
            throw located(error, in: yaml)
        } catch let error as DecodingError {
            if let yamlError = Self.yamlError(in: error) { throw ConfigError(yamlError) }
            throw located(ConfigError(error), in: yaml)
        } catch let error as YamlError {
            throw ConfigError(error)
        } catch {
            throw ConfigError(path: "", "not valid YAML")
        }
        return config
    }

    /// The YAML syntax error a decoding error wraps, if any.
    private static func yamlError(in error: DecodingError) -> YamlError? {
        guard case .dataCorrupted(let context) = error else { return nil }
        switch context.underlyingError {
        case let yaml as YamlError: return yaml
        case let inner as DecodingError: return yamlError(in: inner)
        default: return nil
        }
    }

    /// `error` with the line and column of its key path in `yaml` (the deepest part of the path found).
    static func located(_ error: ConfigError, in yaml: String) -> ConfigError {
        guard error.line == nil, !error.path.isEmpty, let root = try? Yams.compose(yaml: yaml) else { return error }
        var node = root
        var mark = root.mark
        for component in ConfigError.components(of: error.path) {
            if let index = Int(component), let item = node.sequence?[safe: index] {
                node = item
                mark = item.mark ?? mark
            } else if let pair = node.mapping?.first(where: { $0.key.string == component }) {
                // The key itself: an unknown key is reported where it is written.
                node = pair.value
                mark = pair.key.mark ?? mark
            } else {
                break
            }
        }
        var located = error
        if let mark {
            located.line = mark.line
            located.column = mark.column
        }
        return located
    }
}

extension ConfigError {
    /// A YAML syntax error: the problem and where, never the offending line (Yams' own text quotes it,
    /// and a malformed line may hold a secret literal).
    init(_ error: YamlError) {
        let problem: String
        var position: (line: Int, column: Int)?
        switch error {
        case let .scanner(context, text, mark, _), let .parser(context, text, mark, _), let .composer(context, text, mark, _):
            problem = [context?.text, text].compactMap { $0 }.joined(separator: ": ")
            position = (mark.line, mark.column)
        case let .reader(text, offset, _, yaml):
            problem = text
            if let (line, column) = offset.flatMap(yaml.lineAndColumn(at:)) { position = (line + 1, column + 1) }
        case let .duplicatedKeysInMapping(duplicates, context):
            problem = "duplicated key\(duplicates.count == 1 ? "" : "s") \(duplicates.sorted().map { "'\($0.prefix(64))'" }.joined(separator: ", "))"
            position = (context.mark.line, context.mark.column)
        default:
            problem = "cannot be read"
        }
        self.init(path: "", "not valid YAML: \(problem)")
        line = position?.line
        column = position?.column
    }

    /// `sources[0].tolerance` → `["sources", "0", "tolerance"]`.
    static func components(of path: String) -> [String] {
        path.split(separator: ".").flatMap { part -> [String] in
            part.split(whereSeparator: { $0 == "[" || $0 == "]" }).map(String.init)
        }
    }
}

extension String {
    /// Line and column (0-based) of a UTF-8 offset; the line's text is deliberately not returned.
    fileprivate func lineAndColumn(at offset: Int) -> (Int, Int)? {
        let bytes = Array(utf8.prefix(offset))
        guard bytes.count == offset else { return nil }
        let line = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let column = bytes.count - (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0)
        return (line, column)
    }
}

extension Collection where Index == Int {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension AdWatchConfig {
    /// Checks what the types alone cannot: cross-references, scheme-specific keys, ranges.
    /// - Throws: the first ``ConfigError`` found.
    /// Whole-number settings and their sane range: a value outside it (a negative concurrency, a batch of
    /// a billion) is a config error naming the key, never a trap or a stall later.
    var countSettings: [(path: String, value: Int, range: ClosedRange<Int>)] {
        var settings: [(path: String, value: Int, range: ClosedRange<Int>)] = [
            ("processor.max_attempts", processor.maxAttempts, 1...1000),
            ("processor.concurrency", processor.concurrency, 1...64),
            ("processor.batch_size", processor.batchSize, 1...10_000),
            ("delivery.max_attempts", delivery.maxAttempts, 1...1000),
            ("delivery.concurrency", delivery.concurrency, 1...64),
            ("audit.prune_batch", audit.pruneBatch, 1...100_000),
            ("audit.rejection_burst", audit.rejectionBurst, 1...1_000_000),
        ]
        if let advertising {
            settings += [
                ("advertising.requests_per_minute", advertising.requestsPerMinute, 1...1_000_000),
                ("advertising.burst", advertising.burst, 1...100_000),
                ("advertising.max_attempts", advertising.maxAttempts, 1...100),
                ("advertising.circuit_breaker.failures", advertising.circuitBreaker.failures, 1...10_000),
            ]
        }
        return settings
    }

    public func validate() throws {
        guard (1...65535).contains(server.port) || server.port == 0 else {
            throw ConfigError(path: "server.port", "must be between 0 and 65535")
        }
        guard server.maxBodyBytes > 0, server.maxBodyBytes <= 64 * 1024 * 1024 else {
            throw ConfigError(path: "server.max_body_bytes", "must be between 1 and 67108864")
        }
        guard server.shutdownGrace.seconds >= 0, server.shutdownGrace.seconds <= 3600 else {
            throw ConfigError(path: "server.shutdown_grace", "must be between 0s and 1h")
        }
        for (key, value) in [("idle_timeout", server.idleTimeout), ("read_timeout", server.readTimeout)]
        where value.duration <= .zero || value.duration > .seconds(3600) {
            throw ConfigError(path: "server.\(key)", "must be greater than 0s and at most 1h")
        }
        guard (1...1_000_000).contains(server.maxConnections) else {
            throw ConfigError(path: "server.max_connections", "must be between 1 and 1000000")
        }
        // Two listeners on one port: the second bind would fail at start with a socket error instead.
        if let listen = admin?.listen, listen.port != 0, listen.port == server.port {
            throw ConfigError(path: "admin.listen", "uses server.port \(server.port): the admin listener needs a port of its own")
        }
        if let tls = server.tls {
            for (key, path) in [("certificate", tls.certificate), ("key", tls.key)] where !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigError(path: "server.tls.\(key)", "cannot read '\(path)'")
            }
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logging.level) else {
            throw ConfigError(path: "logging.level", "must be one of trace, debug, info, notice, warning, error, critical")
        }
        if store.sqlite != nil && store.postgres != nil {
            throw ConfigError(path: "store", "set either sqlite or postgres, not both")
        }
        if store.postgres != nil {
            throw ConfigError(path: "store.postgres", "the PostgreSQL store is not available in this build yet; use store.sqlite")
        }
        guard !sources.isEmpty else {
            throw ConfigError(path: "sources", "at least one source is needed to receive webhooks")
        }
        var sourceNames = Set<String>()
        for (index, source) in sources.enumerated() {
            try source.validate(path: "sources[\(index)]")
            guard sourceNames.insert(source.name).inserted else {
                throw ConfigError(path: "sources[\(index)].name", "duplicate source name '\(source.name)'")
            }
        }
        var ruleNames = Set<String>()
        for (index, rule) in rules.enumerated() {
            guard ruleNames.insert(rule.name).inserted else {
                throw ConfigError(path: "rules[\(index)].name", "duplicate rule name '\(rule.name)'")
            }
            try rule.validate(path: "rules[\(index)]", sources: Set(sources.map(\.name)))
        }
        var channelNames = Set<String>()
        for (index, channel) in channels.enumerated() {
            try channel.validate(path: "channels[\(index)]")
            guard channelNames.insert(channel.name).inserted else {
                throw ConfigError(path: "channels[\(index)].name", "duplicate channel name '\(channel.name)'")
            }
        }
        for (index, route) in routes.enumerated() {
            for (channelIndex, name) in route.channels.enumerated() where !channelNames.contains(name) {
                throw ConfigError(path: "routes[\(index)].channels[\(channelIndex)]", "no channel named '\(name)'")
            }
        }
        if let advertising {
            try advertising.validate(path: "advertising")
        }
        for (path, value, range) in countSettings where !range.contains(value) {
            throw ConfigError(path: path, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        for (path, value) in [("processor.poll_interval", processor.pollInterval), ("processor.lease", processor.lease), ("delivery.tick", delivery.tick)]
        where value.duration < .milliseconds(1) {
            throw ConfigError(path: path, "must be at least 1ms")
        }
        guard audit.rejectionsPerSecond > 0, audit.rejectionsPerSecond <= 1_000_000 else {
            throw ConfigError(path: "audit.rejections_per_second", "must be greater than 0 and at most 1000000")
        }
        guard audit.retention.seconds >= 86_400 else {
            throw ConfigError(path: "audit.retention", "must be at least 1d: records are the evidence operators review")
        }
        guard audit.pruneInterval.seconds >= 1 else { throw ConfigError(path: "audit.prune_interval", "must be at least 1s") }
    }

    /// Non-fatal findings an operator should see at start-up and in `check-config`.
    public var warnings: [String] {
        var out: [String] = []
        for source in sources {
            switch source.scheme {
            case .none:
                out.append(
                    "source '\(source.name)' accepts UNSIGNED webhooks (scheme: none, insecure: true): anyone who can reach /webhooks/\(source.name) can inject events"
                )
            case .github:
                out.append("source '\(source.name)' uses scheme github, which signs no timestamp: replays are caught only by dedup (window \(source.dedupWindow))")
            case .hmac where source.timestampHeader == nil:
                out.append("source '\(source.name)' uses scheme hmac without timestamp_header: replays are caught only by dedup (window \(source.dedupWindow))")
            default:
                break
            }
        }
        return out
    }
}

extension SourceConfig {
    func validate(path: String) throws {
        let hmacOnlyKeys: [(String, String?)] = [
            ("header", header), ("prefix", prefix), ("signed", signed), ("timestamp_header", timestampHeader), ("id_header", idHeader),
        ]
        let nameIsURLSafe = !name.isEmpty && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
        guard nameIsURLSafe, name.allSatisfy(\.isASCII), name.count <= WebhookSource.maxNameLength else {
            throw ConfigError(
                path: "\(path).name", "use letters, digits, '-' and '_' only, at most \(WebhookSource.maxNameLength) (it becomes /webhooks/<name>)"
            )
        }
        guard tolerance.duration > .zero else {
            throw ConfigError(path: "\(path).tolerance", "must be greater than 0")
        }
        guard dedupWindow.duration > .zero else {
            throw ConfigError(path: "\(path).dedup_window", "must be greater than 0")
        }
        if scheme != .hmac {
            for (key, value) in hmacOnlyKeys where value != nil {
                throw ConfigError(path: "\(path).\(key)", "only applies to scheme hmac")
            }
            if encoding != nil { throw ConfigError(path: "\(path).encoding", "only applies to scheme hmac") }
        }
        if scheme == .none {
            guard insecure else {
                throw ConfigError(path: "\(path).insecure", "scheme none accepts unsigned webhooks; set insecure: true to confirm")
            }
            guard secrets.isEmpty else {
                throw ConfigError(path: "\(path).secrets", "scheme none takes no secrets")
            }
            return
        }
        if insecure {
            throw ConfigError(path: "\(path).insecure", "only applies to scheme none")
        }
        guard !secrets.isEmpty else {
            throw ConfigError(path: "\(path).secrets", "scheme \(scheme.rawValue) needs at least one secret")
        }
        switch scheme {
        case .standardWebhooks:
            for (index, secret) in secrets.enumerated() where StandardWebhooksScheme.key(from: secret) == nil {
                throw ConfigError(path: "\(path).secrets[\(index)]", "not a Standard Webhooks secret (whsec_ followed by base64)")
            }
        case .hmac:
            guard let header, !header.isEmpty else {
                throw ConfigError(path: "\(path).header", "scheme hmac needs the signature header's name")
            }
            for (key, value) in [("header", header), ("timestamp_header", timestampHeader), ("id_header", idHeader)] {
                if let value, HTTPField.Name(value) == nil {
                    throw ConfigError(path: "\(path).\(key)", "'\(value)' is not a valid HTTP header name")
                }
            }
            let template = signed ?? "{body}"
            let parsed: SignedContentTemplate
            do {
                parsed = try SignedContentTemplate(parsing: template)
            } catch let error as ConfigError {
                throw ConfigError(path: "\(path).signed", error.message)
            }
            if parsed.usesTimestamp && timestampHeader == nil {
                throw ConfigError(path: "\(path).timestamp_header", "the signed template uses {timestamp}; name the header that carries it")
            }
            if parsed.usesID && idHeader == nil {
                throw ConfigError(path: "\(path).id_header", "the signed template uses {id}; name the header that carries it")
            }
            // An unsigned header can be rewritten by whoever replays a captured request: it must not look like protection.
            if !parsed.usesTimestamp && timestampHeader != nil {
                throw ConfigError(
                    path: "\(path).timestamp_header",
                    "is not signed (no {timestamp} in signed), so a replay could change it; add {timestamp} to signed or remove it"
                )
            }
            if !parsed.usesID && idHeader != nil {
                throw ConfigError(
                    path: "\(path).id_header", "is not signed (no {id} in signed), so a replay could change it; add {id} to signed or remove it"
                )
            }
        case .stripe, .github, .none:
            break
        }
        if signsTimestamp, dedupWindow.duration < tolerance.duration * 2 {
            // A captured request verifies for 2 × tolerance (its timestamp may be up to `tolerance` ahead of
            // the clock, and is accepted until `tolerance` behind it); dedup must remember it at least as long.
            throw ConfigError(
                path: "\(path).dedup_window",
                "must be at least twice the tolerance (\(ConfigDuration(tolerance.duration * 2))): a replay verifies that long, so remember it as long"
            )
        }
    }

    /// True when the scheme signs a timestamp, so `tolerance` applies.
    var signsTimestamp: Bool {
        switch scheme {
        case .standardWebhooks, .stripe: true
        case .hmac: (try? SignedContentTemplate(parsing: signed ?? "{body}"))?.usesTimestamp ?? false
        case .github, .none: false
        }
    }
}

extension ChannelConfig {
    func validate(path: String) throws {
        func require(_ present: Bool, _ key: String) throws {
            if !present { throw ConfigError(path: "\(path).\(key)", "required for a \(kind.rawValue) channel") }
        }
        switch kind {
        case .slack:
            try require(webhookURL != nil, "webhook_url")
        case .email:
            try require(provider != nil, "provider")
            try require(apiKey != nil, "api_key")
            try require(from != nil, "from")
            try require(!to.isEmpty, "to")
        case .webhook:
            try require(url != nil, "url")
            try require(secret != nil, "secret")
            if let secret, StandardWebhooksScheme.key(from: secret) == nil {
                throw ConfigError(path: "\(path).secret", "not a Standard Webhooks secret (whsec_ followed by base64)")
            }
        case .console:
            break
        }
    }
}

extension AdvertisingConfig {
    func validate(path: String) throws {
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigError(path: "\(path).base_url", "must be an http or https URL")
        }
        guard timeout.duration > .zero else { throw ConfigError(path: "\(path).timeout", "must be greater than 0") }
        for (key, value) in [("auth_header", authHeader), ("brand_header", brandHeader)] where HTTPField.Name(value) == nil {
            throw ConfigError(path: "\(path).\(key)", "'\(value)' is not a valid HTTP header name")
        }
        for (key, value) in [("campaign", paths.campaign), ("analytics", paths.analytics)] where !value.contains("{id}") {
            throw ConfigError(path: "\(path).paths.\(key)", "must contain {id}")
        }
        var seen = Set<String>()
        for (index, brand) in brands.enumerated() where !seen.insert(brand.brandID).inserted {
            throw ConfigError(path: "\(path).brands[\(index)].brand_id", "duplicate brand \(brand.brandID)")
        }
    }
}

extension RuleConfig {
    func validate(path: String, sources: Set<String>) throws {
        switch kind {
        case .spendThreshold:
            guard !levels.isEmpty else {
                throw ConfigError(path: "\(path).percent_of_budget", "spend_threshold needs percent_of_budget, amount or levels")
            }
        case .inReviewTooLong:
            if let after, let criticalAfter, criticalAfter.duration <= after.duration {
                throw ConfigError(path: "\(path).critical_after", "must be longer than after (\(after))")
            }
        case .upstreamSilent:
            guard after != nil else { throw ConfigError(path: "\(path).after", "upstream_silent needs after: how long without a webhook") }
            if let source, !sources.contains(source) {
                throw ConfigError(path: "\(path).source", "no source named '\(source)'")
            }
        case .pacing:
            guard tolerancePercent > 0 else { throw ConfigError(path: "\(path).tolerance_percent", "must be greater than 0") }
        case .adAccountStanding, .campaignFailed, .adDeliveryIssue:
            break
        }
    }
}
