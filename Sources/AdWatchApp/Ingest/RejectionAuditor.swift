import Foundation
public import Logging
import NIOConcurrencyHelpers
public import AdWatchCore

/// Why the receiver refused a request; the audit log's `reason`.
public enum RejectionReason: String, Sendable {
    case unknownSource = "unknown_source"
    case unsupportedMediaType = "unsupported_media_type"
    case bodyTooLarge = "body_too_large"
    case invalidJSON = "invalid_json"
    case storeUnavailable = "store_unavailable"
}

/// Writes `webhook.rejected` audit records through token buckets, so a flood of junk cannot fill the disk
/// and one flooder cannot hide everyone else's rejections.
///
/// Two budgets apply to every record: a global one, and one per client (a quarter of the global by
/// default), so a single address uses at most its share and the others' rejections are still written.
/// The per-client table is bounded: when it is full, the less recently seen half is forgotten (a
/// forgotten client starts again with a full bucket; the global budget still caps the total).
///
/// What the buckets drop is counted; the next record written carries the count as `suppressed_before`
/// (all clients) and `client_suppressed_before` (that client), and ``suppressedTotal`` keeps the
/// running total. Source names are recorded truncated (``truncatedSource(_:)``): the name of an unknown
/// source is whatever the URL said.
public final class RejectionAuditor: Sendable {
    private struct Bucket {
        var tokens: Double
        var refilledAt: Date

        mutating func refill(at now: Date, rate: Double, burst: Double) {
            // A wall clock stepped backwards refills nothing, rather than draining.
            tokens = min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * rate)
            refilledAt = now
        }
    }

    private struct Client {
        var bucket: Bucket
        var suppressedSinceLastWrite: Int64 = 0
    }

    private struct State {
        var global: Bucket
        var clients: [String: Client] = [:]
        var suppressedSinceLastWrite: Int64 = 0
        var suppressedTotal: Int64 = 0
    }

    /// Longest source name recorded as it is; longer ones keep this many characters and their length.
    public static let maxSourceLength = WebhookSource.maxNameLength

    private let log: any AuditLog
    private let clock: any WallClock
    private let rate: Double
    private let burst: Double
    private let clientRate: Double
    private let clientBurst: Double
    private let maxClients: Int
    private let state: NIOLockedValueBox<State>

    /// - Parameters:
    ///   - log: Where records go.
    ///   - clock: Time for the buckets and the records.
    ///   - perSecond: Sustained records per second, all clients together.
    ///   - burst: Records allowed at once before the rate applies, all clients together.
    ///   - clientShare: The part of `perSecond` and `burst` one client may use (at least one record at once).
    ///   - maxClients: How many clients' buckets are kept.
    public init(log: any AuditLog, clock: any WallClock, perSecond: Double, burst: Int, clientShare: Double = 0.25, maxClients: Int = 1024) {
        self.log = log
        self.clock = clock
        self.rate = perSecond
        self.burst = Double(burst)
        self.clientRate = perSecond * clientShare
        self.clientBurst = max(1, Double(burst) * clientShare)
        self.maxClients = max(2, maxClients)
        self.state = NIOLockedValueBox(State(global: Bucket(tokens: Double(burst), refilledAt: clock.now())))
    }

    /// Rejections not written because of the rate limit, since start.
    public var suppressedTotal: Int64 { state.withLockedValue { $0.suppressedTotal } }

    /// How many clients' buckets are held now (bounded by `maxClients`).
    var trackedClients: Int { state.withLockedValue { $0.clients.count } }

    /// The name as recorded: at most ``maxSourceLength`` characters (Unicode scalars), and the full
    /// length when it was cut.
    public static func truncatedSource(_ name: String) -> (name: String, length: Int?) {
        let scalars = name.unicodeScalars
        guard scalars.count > maxSourceLength else { return (name, nil) }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(maxSourceLength))
        return (String(cut), scalars.count)
    }

    /// Records a rejection if both budgets allow; never throws (an audit failure must not change the answer).
    /// - Parameters:
    ///   - client: Whose budget the record draws on: the client's address (any text; `unknown` when there is none).
    ///   - remoteAddress: The peer address written into the record.
    /// - Returns: Whether a record was written.
    @discardableResult
    public func record(
        source: String,
        reason: String,
        status: Int,
        client: String,
        remoteAddress: String?,
        size: Int?,
        body: [UInt8]?,
        logger: Logger
    ) async -> Bool {
        let now = clock.now()
        let suppressed: (all: Int64, client: Int64)? = state.withLockedValue { state in
            state.global.refill(at: now, rate: rate, burst: burst)
            var entry = state.clients[client] ?? Client(bucket: Bucket(tokens: clientBurst, refilledAt: now))
            entry.bucket.refill(at: now, rate: clientRate, burst: clientBurst)
            defer {
                if state.clients[client] == nil && state.clients.count >= maxClients { forgetLeastRecentHalf(&state.clients) }
                state.clients[client] = entry
            }
            guard entry.bucket.tokens >= 1, state.global.tokens >= 1 else {
                entry.suppressedSinceLastWrite += 1
                state.suppressedSinceLastWrite += 1
                state.suppressedTotal += 1
                return nil
            }
            entry.bucket.tokens -= 1
            state.global.tokens -= 1
            defer {
                entry.suppressedSinceLastWrite = 0
                state.suppressedSinceLastWrite = 0
            }
            return (state.suppressedSinceLastWrite, entry.suppressedSinceLastWrite)
        }
        guard let suppressed else { return false }
        let (sourceName, sourceLength) = Self.truncatedSource(source)
        var details: [String: AuditValue] = ["reason": .string(reason), "status": .int(Int64(status))]
        if let sourceLength { details["source_length"] = .int(Int64(sourceLength)) }
        if let remoteAddress { details["remote_address"] = .string(remoteAddress) }
        if let size { details["size"] = .int(Int64(size)) }
        if let body { details["body_sha256"] = .string(ByteEncoding.hex(Digest.sha256(body))) }
        if suppressed.all > 0 { details["suppressed_before"] = .int(suppressed.all) }
        if suppressed.client > 0 { details["client_suppressed_before"] = .int(suppressed.client) }
        do {
            try await log.append([AuditDraft(at: now, kind: .webhookRejected, source: sourceName, details: details)])
            return true
        } catch {
            logger.error("could not write rejection audit record", metadata: ["audit.error": "\(String(reflecting: type(of: error)))"])
            return false
        }
    }

    /// Keeps the more recently refilled half of a full table. Sorting once per `maxClients / 2` new clients
    /// keeps the cost per rejection small however many addresses a flood uses.
    private func forgetLeastRecentHalf(_ clients: inout [String: Client]) {
        let keep = clients.sorted { $0.value.bucket.refilledAt > $1.value.bucket.refilledAt }.prefix(maxClients / 2)
        clients = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
