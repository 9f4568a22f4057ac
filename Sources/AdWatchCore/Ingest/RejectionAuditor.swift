import Foundation
public import Logging
import NIOConcurrencyHelpers

/// Why the receiver refused a request; the audit log's `reason`.
public enum RejectionReason: String, Sendable {
    case unknownSource = "unknown_source"
    case unsupportedMediaType = "unsupported_media_type"
    case bodyTooLarge = "body_too_large"
    case invalidJSON = "invalid_json"
    case storeUnavailable = "store_unavailable"
}

/// Writes `webhook.rejected` audit records through a token bucket, so a flood of junk cannot fill the disk.
///
/// What the bucket drops is counted; the next record written carries that count as `suppressed_before`,
/// and ``suppressedTotal`` keeps the running total.
public final class RejectionAuditor: Sendable {
    private struct Bucket {
        var tokens: Double
        var refilledAt: Date
        var suppressedSinceLastWrite: Int64 = 0
        var suppressedTotal: Int64 = 0
    }

    private let log: any AuditLog
    private let clock: any WallClock
    private let rate: Double
    private let burst: Double
    private let bucket: NIOLockedValueBox<Bucket>

    /// - Parameters:
    ///   - log: Where records go.
    ///   - clock: Time for the bucket and the records.
    ///   - perSecond: Sustained records per second.
    ///   - burst: Records allowed at once before the rate applies.
    public init(log: any AuditLog, clock: any WallClock, perSecond: Double, burst: Int) {
        self.log = log
        self.clock = clock
        self.rate = perSecond
        self.burst = Double(burst)
        self.bucket = NIOLockedValueBox(Bucket(tokens: Double(burst), refilledAt: clock.now()))
    }

    /// Rejections not written because of the rate limit, since start.
    public var suppressedTotal: Int64 { bucket.withLockedValue { $0.suppressedTotal } }

    /// Records a rejection if the bucket allows; never throws (an audit failure must not change the answer).
    /// - Returns: Whether a record was written.
    @discardableResult
    public func record(
        source: String,
        reason: String,
        status: Int,
        remoteAddress: String?,
        size: Int?,
        body: [UInt8]?,
        logger: Logger
    ) async -> Bool {
        let now = clock.now()
        let suppressed: Int64? = bucket.withLockedValue { state in
            state.tokens = min(burst, state.tokens + now.timeIntervalSince(state.refilledAt) * rate)
            state.refilledAt = now
            guard state.tokens >= 1 else {
                state.suppressedSinceLastWrite += 1
                state.suppressedTotal += 1
                return nil
            }
            state.tokens -= 1
            defer { state.suppressedSinceLastWrite = 0 }
            return state.suppressedSinceLastWrite
        }
        guard let suppressed else { return false }
        var details: [String: AuditValue] = ["reason": .string(reason), "status": .int(Int64(status))]
        if let remoteAddress { details["remote_address"] = .string(remoteAddress) }
        if let size { details["size"] = .int(Int64(size)) }
        if let body { details["body_sha256"] = .string(ByteEncoding.hex(Digest.sha256(body))) }
        if suppressed > 0 { details["suppressed_before"] = .int(suppressed) }
        do {
            try await log.append([AuditDraft(at: now, kind: .webhookRejected, source: source, details: details)])
            return true
        } catch {
            logger.error("could not write rejection audit record", metadata: ["audit.error": "\(String(reflecting: type(of: error)))"])
            return false
        }
    }
}
