import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A loopback HTTP server that records every request (POST and GET) and answers with scripted statuses,
/// headers and bodies (then 200 `{}`): the stand-in for Slack, the email APIs, webhook receivers and,
/// for redirect tests, the Ads API.
final class RecordingServer: Sendable {
    struct Recorded: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var headers: HTTPFields
        var body: [UInt8]
        var at: Date

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    private let state = NIOLockedValueBox<(requests: [Recorded], script: [(status: Int, headers: HTTPFields, body: String)])>(([], []))

    var requests: [Recorded] { state.withLockedValue { $0.requests } }

    /// Queues answers for the next requests.
    func answer(_ status: Int, headers: HTTPFields = [:], body: String = "{}", times: Int = 1) {
        state.withLockedValue { $0.script += Array(repeating: (status, headers, body), count: times) }
    }

    /// Runs `body` with the server listening; passes its base URL.
    func run(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let respond: @Sendable (Request) async throws -> Response = { request in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let (status, headers, body) = self.state.withLockedValue { state -> (Int, HTTPFields, String) in
                state.requests.append(Recorded(method: request.method, path: request.uri.description, headers: request.headers,
                                               body: Array(bytes.readableBytesView), at: Date()))
                return state.script.isEmpty ? (200, [:], "{}") : state.script.removeFirst()
            }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.on("**", method: .post) { request, _ in try await respond(request) }
        router.on("**", method: .get) { request, _ in try await respond(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "recording"))
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)") }
    }
}
