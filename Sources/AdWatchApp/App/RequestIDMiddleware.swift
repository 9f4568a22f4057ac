import HTTPTypes
import Hummingbird
import Logging
import AdWatchCore

/// Gives every request one id, on every log line of the request (`hb.request.id`) and in the
/// `X-Request-ID` response header. An id sent by a proxy in front is kept when it is a sane token,
/// so one id follows the request across both logs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AdWatchRequestContext
    static let header = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let incoming = request.headers[Self.header], Self.isSane(incoming) {
            context.logger[metadataKey: "hb.request.id"] = .string(incoming)
        }
        let id = context.logger[metadataKey: "hb.request.id"].map { "\($0)" }
        do {
            var response = try await next(request, context)
            if let id { response.headers[Self.header] = id }
            return response
        } catch let error as any HTTPResponseError {
            // Errors become responses further out; carry the id on those too.
            var response = try error.response(from: request, context: context)
            if let id { response.headers[Self.header] = id }
            return response
        }
    }

    /// 1–128 visible ASCII characters without spaces or quotes: safe in a header and a log line.
    static func isSane(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}
