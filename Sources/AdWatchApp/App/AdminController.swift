import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import AdWatchCore

/// `/admin/…`: alerts and silences for operators, behind a bearer token (compared in constant time,
/// never logged). Registered only when `admin.token` is configured.
struct AdminController {
    let store: any AdWatchStore
    /// `admin.token`; a configuration reload replaces it.
    let token: Reloadable<Secret>
    let clock: any WallClock
    /// Shared with the web page's sign-in form.
    let throttle: SignInThrottle
    let clientAddress: ClientAddress

    func addRoutes(to router: Router<AdWatchRequestContext>) {
        let admin = router.group("admin").add(
            middleware: BearerTokenMiddleware(token: token, clock: clock, throttle: throttle, clientAddress: clientAddress)
        )
        AdminAuditController(store: store, clock: clock).addRoutes(to: admin)
        admin.get("alerts") { request, _ in
            let states = try Self.states(request.uri.queryParameters.get("state") ?? "pending,firing")
            let limit: Int
            do throws(AdminAuditController.InvalidParameter) {
                limit = try AdminAuditController.limit(request.uri.queryParameters.get("limit"), default: 500)
            } catch {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
            let alerts = try await store.alerts(states: states, limit: limit)
            return try Self.json(.ok, alerts.map(AlertView.init))
        }
        admin.get("silences") { request, _ in
            let all = request.uri.queryParameters.get("all") == "true"
            let silences = try await store.silences(notEndedAt: all ? nil : clock.now())
            return try Self.json(.ok, silences.map(SilenceView.init))
        }
        admin.post("silences") { request, context in
            let body: SilenceRequest
            do {
                body = try await request.decode(as: SilenceRequest.self, context: context)
            } catch {
                // Never echo the decoder's own text: it names internal types.
                return JSONReply.error(.badRequest, "invalid_json", "send {\"matchers\": [\"name=value\"], \"duration\": \"2h\", \"author\": \"…\"}")
            }
            let now = clock.now()
            let startsAt = body.startsAt ?? now
            let endsAt: Date
            if let end = body.endsAt {
                endsAt = end
            } else if let text = body.duration {
                let duration: ConfigDuration
                do {
                    duration = try ConfigDuration(parsing: text)
                } catch {
                    // The parser's message is ours and quotes at most 40 characters of the input.
                    return JSONReply.error(.badRequest, "invalid_silence", "duration: \((error as? ConfigError)?.message ?? "not a duration")")
                }
                endsAt = startsAt.addingTimeInterval(duration.seconds)
            } else {
                return JSONReply.error(.badRequest, "invalid_silence", "give ends_at or a duration such as 2h")
            }
            let silence: Silence
            do {
                try Silence.ensureRoom(notEnded: try await store.silences(notEndedAt: now).count)
                silence = try Silence.make(matchers: body.matchers, startsAt: startsAt, endsAt: endsAt, author: body.author, comment: body.comment ?? "", now: now)
            } catch let error as ConfigError {
                // The validation message is ours and safe to show; store errors below are not echoed.
                return JSONReply.error(.badRequest, "invalid_silence", error.description)
            }
            try await store.addSilence(silence, audit: silence.createdAudit(at: now))
            return try Self.json(.created, SilenceView(silence))
        }
        admin.post("silences/:id/expire") { request, context in
            let id = context.parameters.get("id") ?? ""
            let author: String
            do throws(AdminAuditController.InvalidParameter) {
                author = try AdminAuditController.operatorName(request.uri.queryParameters.get("author"))
            } catch {
                return JSONReply.error(.badRequest, "invalid_parameter", error.message)
            }
            let now = clock.now()
            guard try await store.expireSilence(id: id, at: now, audit: Silence.expiredAudit(id: id, by: author, at: now)) else {
                return JSONReply.error(.notFound, "not_found", "no active or future silence with this id")
            }
            return JSONReply.make(.ok, ["id": id, "status": "expired"])
        }
    }

    struct SilenceRequest: Decodable {
        var matchers: [String]
        var startsAt: Date?
        var endsAt: Date?
        var duration: String?
        var author: String
        var comment: String?

        enum CodingKeys: String, CodingKey {
            case matchers, duration, author, comment
            case startsAt = "starts_at"
            case endsAt = "ends_at"
        }
    }

    static func states(_ text: String) throws -> Set<AlertState> {
        var states = Set<AlertState>()
        for name in text.split(separator: ",") {
            // Not echoed: the parameter may be kilobytes long.
            guard let state = AlertState(rawValue: String(name)) else {
                throw HTTPError(.badRequest, message: "state is one of pending, firing, resolved (comma-separated)")
            }
            states.insert(state)
        }
        return states
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// Refuses a request without `Authorization: Bearer <admin.token>`. A client that sends five wrong
/// tokens within five minutes — here or through the web form, which shares the throttle — gets 429 (with
/// `Retry-After`) until the oldest leaves the window, so the token cannot be guessed at network speed.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = AdWatchRequestContext
    let token: Reloadable<Secret>
    let clock: any WallClock
    let throttle: SignInThrottle
    let clientAddress: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = clientAddress.of(request, context: context)
        let now = clock.now()
        if let wait = throttle.retryAfter(address, now: now) {
            return JSONReply.error(
                .tooManyRequests, "too_many_attempts", "too many wrong admin tokens from this address; try again later",
                headers: [.retryAfter: String(Int(wait.rounded(.up)))]
            )
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              Digest.constantTimeEquals(Array(header.dropFirst(7).utf8), token.current.bytes)
        else {
            // Only a token that was sent and wrong is a guess; a missing header is a client without one.
            if request.headers[.authorization] != nil { throttle.recordFailure(address, now: now) }
            return JSONReply.error(.unauthorized, "unauthorized", "a valid admin bearer token is required", headers: [.wwwAuthenticate: "Bearer"])
        }
        throttle.reset(address)
        return try await next(request, context)
    }
}

/// An alert as the admin API shows it.
struct AlertView: Encodable {
    var fingerprint, rule, campaignID, severity, summary, state: String
    var level, suppressedBy: String?
    var labels: [String: String]
    var activeSince: Date
    var firingSince, resolvedAt, lastNotifiedAt: Date?

    init(_ alert: Alert) {
        fingerprint = alert.fingerprint
        rule = alert.rule
        campaignID = alert.campaignID
        severity = alert.severity.rawValue
        summary = alert.summary
        state = alert.state.rawValue
        level = alert.level
        suppressedBy = alert.suppressedBy
        labels = alert.labels
        activeSince = alert.activeSince
        firingSince = alert.firingSince
        resolvedAt = alert.resolvedAt
        lastNotifiedAt = alert.lastNotifiedAt
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, rule, severity, summary, state, level, labels
        case campaignID = "campaign_id"
        case suppressedBy = "suppressed_by"
        case activeSince = "active_since"
        case firingSince = "firing_since"
        case resolvedAt = "resolved_at"
        case lastNotifiedAt = "last_notified_at"
    }
}

/// A silence as the admin API shows it.
struct SilenceView: Encodable {
    var id, author, comment: String
    var matchers: [String]
    var startsAt, endsAt, createdAt: Date

    init(_ silence: Silence) {
        id = silence.id
        author = silence.author
        comment = silence.comment
        matchers = silence.matchers.map(\.description)
        startsAt = silence.startsAt
        endsAt = silence.endsAt
        createdAt = silence.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, author, comment, matchers
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case createdAt = "created_at"
    }
}
