import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import AdWatchCore

/// `POST /webhooks/{source}`: size guard → signature → timestamp window → parse → dedup → durable inbox → 202.
///
/// Every refusal has a fixed JSON body that reveals nothing about secrets or internals, and a
/// `webhook.rejected` audit record (rate-limited by ``RejectionAuditor``). The 202 is sent only after
/// ``EventInbox/accept(_:)`` has committed the event.
struct WebhookController {
    /// The sources by name; a configuration reload replaces them (new secrets take effect at once).
    let sources: Reloadable<[String: WebhookSource]>
    let inbox: any EventInbox
    let rejections: RejectionAuditor
    let clock: any WallClock
    let maxBodyBytes: Int
    /// Called after a new event is durable (wakes the processor).
    let onAccepted: @Sendable () -> Void
    let metrics: WebhookMetrics?
    /// Resolves the client behind `server.trusted_proxies`, so the rejection budget is per real client.
    let clientAddress: ClientAddress

    init(
        sources: Reloadable<[String: WebhookSource]>,
        inbox: any EventInbox,
        rejections: RejectionAuditor,
        clock: any WallClock,
        maxBodyBytes: Int,
        onAccepted: @escaping @Sendable () -> Void = {},
        metrics: WebhookMetrics? = nil,
        clientAddress: ClientAddress = ClientAddress(trustedProxies: [])
    ) {
        self.clientAddress = clientAddress
        self.sources = sources
        self.inbox = inbox
        self.rejections = rejections
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.onAccepted = onAccepted
        self.metrics = metrics
    }

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        router.post("/webhooks/:source") { request, context in
            var context = context
            context.clientAddress = clientAddress.of(request, context: context)
            let started = ContinuousClock.now
            let name = context.parameters.get("source") ?? ""
            // One look at the sources per request: a reload in the middle cannot split it.
            let source = sources.current[name]
            // Only configured sources get their own series, so a scanner cannot create them.
            defer { metrics?.observeIngest(source: source == nil ? WebhookMetrics.unknownSource : name, since: started) }
            return try await receive(request, source: source, named: name, context: context)
        }
    }

    func receive(_ request: Request, source: WebhookSource?, named sourceName: String, context: AdWatchRequestContext) async throws -> Response {
        guard let source else {
            return await reject(.notFound, "not_found", "no webhook source with this name", reason: RejectionReason.unknownSource.rawValue,
                                source: sourceName, context: context)
        }
        guard Self.isJSON(request.headers[.contentType]) else {
            return await reject(.unsupportedMediaType, "unsupported_media_type", "send the body as Content-Type: application/json",
                                reason: RejectionReason.unsupportedMediaType.rawValue, source: sourceName, context: context)
        }
        // Refuse a declared oversize body before reading any of it; an undeclared one stops at the limit.
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            return await tooLarge(source: sourceName, size: declared, context: context)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return await tooLarge(source: sourceName, size: nil, context: context)
        }
        let body = Array(buffer.readableBytesView)

        let delivery: VerifiedDelivery
        switch source.scheme.verify(SignedRequest(headers: request.headers, body: body), now: clock.now()) {
        case .success(let verified):
            delivery = verified
        case .failure(let failure):
            return await reject(.unauthorized, "unauthorized", "signature verification failed", reason: failure.rawValue,
                                source: sourceName, body: body, context: context)
        }

        let envelope: WebhookEnvelope
        do {
            envelope = try WebhookEnvelope(body: body, locator: source.locator, now: clock.now())
        } catch {
            return await reject(.badRequest, "invalid_json", "the body is not a JSON object", reason: RejectionReason.invalidJSON.rawValue,
                                source: sourceName, body: body, context: context)
        }

        let event = makeEvent(source: source, body: body, delivery: delivery, envelope: envelope, request: request, context: context)
        let outcome: AcceptOutcome
        do {
            outcome = try await inbox.accept(event)
        } catch {
            // Nothing was acknowledged, so nothing is lost: the sender retries after Retry-After.
            context.logger.error("could not store webhook", metadata: ["webhook.source": "\(sourceName)", "store.error": "\(String(reflecting: type(of: error)))"])
            return await reject(.serviceUnavailable, "unavailable", "the event could not be stored; retry later",
                                reason: RejectionReason.storeUnavailable.rawValue, source: sourceName, body: body, context: context,
                                headers: [.retryAfter: "5"])
        }
        switch outcome {
        case .accepted(let id):
            onAccepted()
            metrics?.received(source: sourceName, outcome: .accepted)
            if !event.isKnownType {
                context.logger.info("stored webhook of unknown event type", metadata: ["webhook.source": "\(sourceName)", "event.id": "\(id)", "event.type": "\(event.eventType ?? "-")"])
            } else {
                context.logger.debug("stored webhook", metadata: ["webhook.source": "\(sourceName)", "event.id": "\(id)", "event.type": "\(event.eventType ?? "-")"])
            }
            return JSONReply.make(.accepted, ["id": id, "status": "accepted"])
        case .duplicate(let id):
            metrics?.received(source: sourceName, outcome: .duplicate)
            context.logger.debug("duplicate webhook", metadata: ["webhook.source": "\(sourceName)", "event.id": "\(id)"])
            return JSONReply.make(.ok, ["id": id, "status": "duplicate"])
        }
    }

    private func makeEvent(
        source: WebhookSource,
        body: [UInt8],
        delivery: VerifiedDelivery,
        envelope: WebhookEnvelope,
        request: Request,
        context: AdWatchRequestContext
    ) -> InboundEvent {
        // A header id over the length kept for body ids is not stored as the delivery id (dedup still uses its hash).
        let headerID = delivery.deliveryID.flatMap { $0.utf8.count <= WebhookEnvelope.maxNameLength ? $0 : nil }
        let deliveryID = headerID ?? envelope.deliveryID
        let dedupKey = DedupKey.make(source: source.name, body: body, delivery: delivery, bodyDeliveryID: envelope.deliveryID)
        var headers: [String: String] = [:]
        for field in request.headers where !source.strippedHeaders.contains(field.name) {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        return InboundEvent(
            id: "evt_" + ByteEncoding.hex(Digest.randomBytes(12)),
            source: source.name,
            dedupKey: dedupKey,
            deliveryID: deliveryID,
            eventType: envelope.eventType,
            isKnownType: envelope.isKnownType,
            campaignID: envelope.campaignID,
            brandID: envelope.brandID,
            eventTime: envelope.eventTime ?? delivery.timestamp,
            receivedAt: clock.now(),
            body: body,
            headers: headers,
            remoteAddress: context.clientAddress ?? context.remoteAddressText,
            dedupWindow: source.config.dedupWindow.duration,
            eventTimeDropped: envelope.eventTimeDropped?.rawValue,
            identifiersDropped: envelope.identifiersDropped
        )
    }

    private func tooLarge(source: String, size: Int?, context: AdWatchRequestContext) async -> Response {
        await reject(.contentTooLarge, "payload_too_large", "the body exceeds \(maxBodyBytes) bytes", reason: RejectionReason.bodyTooLarge.rawValue,
                     source: source, size: size, context: context)
    }

    private func reject(
        _ status: HTTPResponse.Status,
        _ code: String,
        _ message: String,
        reason: String,
        source: String,
        size: Int? = nil,
        body: [UInt8]? = nil,
        context: AdWatchRequestContext,
        headers: HTTPFields = [:]
    ) async -> Response {
        metrics?.rejected(source: source, reason: reason)
        let written = await rejections.record(
            source: source,
            reason: reason,
            status: Int(status.code),
            client: context.clientKey,
            remoteAddress: context.clientAddress ?? context.remoteAddressText,
            size: size ?? body?.count,
            body: body,
            logger: context.logger
        )
        // Logged under the same rate limit as the audit record, so a flood cannot flood the log either.
        if written {
            context.logger.info(
                "rejected webhook",
                metadata: [
                    "webhook.source": "\(RejectionAuditor.truncatedSource(source).name)", "webhook.reject_reason": "\(reason)",
                    "http.response.status_code": "\(status.code)",
                ]
            )
        }
        return JSONReply.error(status, code, message, headers: headers)
    }

    /// `application/json` or any `application/*+json`, with or without parameters.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        // Byte-level: this runs for every webhook, and Foundation's trimming and lower-casing showed up in profiles.
        var mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }[...]
        while let last = mediaType.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { mediaType = mediaType.dropLast() }
        while let first = mediaType.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { mediaType = mediaType.dropFirst() }
        let lowered = mediaType.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        let application = Array("application/".utf8)
        guard lowered.starts(with: application) else { return false }
        return lowered == application + Array("json".utf8) || (lowered.count > application.count + 5 && lowered.suffix(5).elementsEqual("+json".utf8))
    }
}

extension WebhookSource {
    /// The sources of a configuration by name.
    static func byName(_ sources: [SourceConfig]) -> [String: WebhookSource] {
        Dictionary(uniqueKeysWithValues: sources.map { ($0.name, WebhookSource(config: $0)) })
    }
}
