import Foundation
public import Logging
import Synchronization
public import AdWatchCore

/// Writes one JSON object per log line — what journald, Docker and Kubernetes log collectors parse:
///
/// ```json
/// {"at":"2026-12-01T10:00:00.123Z","label":"adwatch","level":"info","message":"stored webhook","hb.request.id":"…","webhook.source":"symphony"}
/// ```
///
/// Metadata keys become top-level fields (nested lists and dictionaries stay nested); `at`, `level`,
/// `label`, `message` and `source` are reserved and win over metadata of the same name.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    /// - Parameter write: Takes each finished line, newline included (standard error by default).
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged { fields[key] = Self.json(value) }
        fields["at"] = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        fields["source"] = event.source
        if event.level >= .error {
            fields["file"] = "\(event.file):\(event.line)"
        }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }

    /// Writes whole lines to standard error; a lock keeps lines from different threads apart.
    public static let standardError: @Sendable (String) -> Void = { line in
        errorStreamLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    private static let errorStreamLock = Mutex(())
}

extension LoggingConfig {
    /// Whether lines should be JSON for this configuration when standard error is (`isTerminal`) or isn't a terminal.
    public func writesJSON(isTerminal: Bool) -> Bool {
        switch format {
        case .json: true
        case .text: false
        case .auto: !isTerminal
        }
    }
}
