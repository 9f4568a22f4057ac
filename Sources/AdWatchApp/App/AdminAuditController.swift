import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import AdWatchCore

/// `/admin/audit…`, timelines and the dead letter, as JSON for operators. Added to the bearer-token
/// group of ``AdminController``; errors carry our own words, never a store's or decoder's text.
///
/// - `GET /admin/audit?kind=&outcome=&source=&campaign=&brand=&alert=&since=&until=&cursor=&limit=`
/// - `GET /admin/audit/verify`, `GET /admin/audit/{seq}`
/// - `GET /admin/campaigns/{id}/timeline?cursor=&limit=`, `GET /admin/alerts/{fingerprint}/timeline?cursor=&limit=`
///   (a fingerprint's `/` is sent as `%2F`)
/// - `GET /admin/deliveries?state=dead` (or `dead=true`), `POST /admin/deliveries/{id}/replay?operator=`
struct AdminAuditController {
    let store: any AdWatchStore
    let clock: any WallClock

    /// Largest page a caller may ask for.
    static let maxLimit = 1000

    func addRoutes(to admin: RouterGroup<AdWatchRequestContext>) {
        admin.get("audit") { request, _ in
            let query: AuditQuery
            let paging: (cursor: Int64?, limit: Int)
            do {
                query = try Self.query { request.uri.queryParameters.get($0) }
                paging = try Self.paging { request.uri.queryParameters.get($0) }
            } catch let error as InvalidParameter {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
            return try await page(query, paging)
        }
        admin.get("audit/verify") { _, _ in
            let result = try await store.verify()
            let object: [String: Any] = [
                "intact": result.isIntact, "checked_records": result.checkedRecords, "last_seq": Self.orNull(result.lastSeq),
                "problem": Self.orNull(result.problem.map { ["seq": $0.seq, "reason": $0.reason] as [String: Any] }),
                // After retention pruning the chain is verified from here (the last removed record).
                "checkpoint": Self.orNull(result.checkpoint.map { ["seq": $0.seq, "pruned_at": $0.prunedAt.formatted(.iso8601)] as [String: Any] }),
            ]
            return Self.json(.ok, object)
        }
        admin.get("audit/:seq") { _, context in
            guard let seq = context.parameters.get("seq").flatMap(Int64.init) else {
                return JSONReply.error(.badRequest, "invalid_parameter", "seq must be a whole number")
            }
            guard let record = try await store.record(seq: seq) else { return JSONReply.error(.notFound, "not_found", "no record with this seq") }
            return Self.json(.ok, record.jsonObject)
        }
        admin.get("campaigns/:id/timeline") { request, context in
            let id = Self.decoded(context.parameters.get("id"))
            do {
                return try await page(.timeline(campaign: id), Self.paging { request.uri.queryParameters.get($0) })
            } catch let error as InvalidParameter {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
        }
        admin.get("alerts/:fingerprint/timeline") { request, context in
            let fingerprint = Self.decoded(context.parameters.get("fingerprint"))
            do {
                let paging = try Self.paging { request.uri.queryParameters.get($0) }
                return try await page(try await store.alertTimelineQuery(fingerprint: fingerprint), paging)
            } catch let error as InvalidParameter {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
        }
        admin.get("deliveries") { request, _ in
            let parameters = request.uri.queryParameters
            let name = parameters.get("dead") == "true" ? "dead" : parameters.get("state") ?? "dead"
            guard let state = Delivery.State(rawValue: name) else {
                return JSONReply.error(.badRequest, "invalid_parameter", "state is one of pending, sending, sent, dead")
            }
            let limit: Int
            do throws(InvalidParameter) { limit = try Self.limit(parameters.get("limit"), default: 500) } catch {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
            let deliveries = try await store.deliveries(in: state, limit: limit)
            return Self.json(.ok, ["deliveries": deliveries.map(Self.deliveryObject)])
        }
        admin.post("deliveries/:id/replay") { request, context in
            let id = Self.decoded(context.parameters.get("id"))
            let operatorName: String
            do throws(InvalidParameter) { operatorName = try Self.operatorName(request.uri.queryParameters.get("operator")) } catch {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
            let now = clock.now()
            guard try await store.replayDelivery(id: id, at: now, by: operatorName) else {
                return JSONReply.error(.notFound, "not_found", "no dead delivery with this id")
            }
            return JSONReply.make(.ok, ["id": id, "status": "pending"])
        }
    }

    private func page(_ query: AuditQuery, _ paging: (cursor: Int64?, limit: Int)) async throws -> Response {
        let page = try await store.page(matching: query, after: paging.cursor, limit: paging.limit)
        return Self.json(.ok, ["records": page.records.map(\.jsonObject), "next_cursor": Self.orNull(page.nextCursor.map(String.init))])
    }

    struct InvalidParameter: Error {
        var message: String
    }

    /// The filters of `GET /admin/audit`; lists (`kind`, `outcome`) are comma-separated.
    static func query(_ parameter: (String) -> String?) throws(InvalidParameter) -> AuditQuery {
        var query = AuditQuery()
        func value(_ name: String) -> String? { parameter(name).flatMap { $0.isEmpty ? nil : $0 } }
        func date(_ name: String) throws(InvalidParameter) -> Date? {
            guard let text = value(name) else { return nil }
            guard let date = try? Date(text, strategy: .iso8601) else { throw InvalidParameter(message: "\(name) must be an ISO 8601 time such as 2025-12-01T00:00:00Z") }
            return date
        }
        query.kinds = Set(value("kind")?.split(separator: ",").map(String.init) ?? [])
        for name in value("outcome")?.split(separator: ",") ?? [] {
            guard let outcome = AuditOutcome(rawValue: String(name)) else {
                throw InvalidParameter(message: "outcome is one of \(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.outcomes.insert(outcome)
        }
        query.source = value("source")
        query.campaign = value("campaign")
        query.brand = value("brand")
        query.alert = value("alert")
        query.since = try date("since")
        query.until = try date("until")
        return query
    }

    /// `cursor` (the last `seq` of the previous page, as returned in `next_cursor`) and `limit` (1…1000, default 100).
    static func paging(_ parameter: (String) -> String?) throws(InvalidParameter) -> (cursor: Int64?, limit: Int) {
        var cursor: Int64?
        if let text = parameter("cursor"), !text.isEmpty {
            guard let value = Int64(text), value >= 0, value < Int64.max else { throw InvalidParameter(message: "cursor must be a next_cursor value from an earlier page") }
            cursor = value
        }
        return (cursor, try limit(parameter("limit"), default: 100))
    }

    /// A page size: 1…1000, else ``InvalidParameter`` (SQLite would read a negative LIMIT as none at all).
    static func limit(_ text: String?, default value: Int) throws(InvalidParameter) -> Int {
        guard let text else { return value }
        guard let limit = Int(text), (1...maxLimit).contains(limit) else {
            throw InvalidParameter(message: "limit must be between 1 and \(maxLimit)")
        }
        return limit
    }

    /// An operator name from a query parameter; it goes into the audit log, so it is bounded.
    static func operatorName(_ text: String?) throws(InvalidParameter) -> String {
        guard let text else { return "admin-api" }
        guard text.utf8.count <= Silence.maxAuthorLength else {
            throw InvalidParameter(message: "at most \(Silence.maxAuthorLength) bytes for the operator name")
        }
        return text
    }

    static func decoded(_ parameter: String?) -> String {
        let raw = parameter ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func deliveryObject(_ delivery: Delivery) -> [String: Any] {
        var campaigns: [String] = []
        for alert in delivery.message.alerts where !campaigns.contains(alert.campaignID) { campaigns.append(alert.campaignID) }
        return [
            "id": delivery.id, "channel": delivery.channel, "state": delivery.state.rawValue, "attempts": delivery.attempts,
            "created_at": delivery.createdAt.formatted(.iso8601), "status": delivery.message.status.rawValue,
            "alerts": delivery.message.alerts.map(\.fingerprint), "campaigns": campaigns,
            "last_error": orNull(delivery.lastError), "last_status": orNull(delivery.lastStatus),
        ]
    }

    /// JSON `null` for a missing value.
    static func orNull(_ value: (some Any)?) -> Any {
        value.map { $0 as Any } ?? NSNull()
    }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
