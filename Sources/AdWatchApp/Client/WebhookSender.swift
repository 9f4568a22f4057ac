public import AsyncHTTPClient
public import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
public import AdWatchCore

/// Signs a body as a source's sender would and posts it: `adwatch send`, the demo and the tests.
public enum WebhookSender {
    /// The receiver's answer.
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
        /// The `Location` of a 3xx answer, which is reported, never followed.
        public var location: String?
    }

    /// Posts `body` to `<baseURL>/webhooks/<source>` signed with the source's first secret.
    /// - Parameters:
    ///   - deliveryID: The id to sign (Standard Webhooks, `hmac` with an id header); a random one when nil.
    ///   - timestamp: The time to sign; now when nil.
    ///   - client: The HTTP client; when nil, one made for this call (redirects are never followed, so a
    ///     receiver answering 3xx gets no second copy of the body elsewhere: its status is the reply).
    public static func send(
        body: [UInt8],
        as source: SourceConfig,
        to baseURL: String,
        deliveryID: String? = nil,
        timestamp: Date? = nil,
        client: HTTPClient? = nil
    ) async throws -> Reply {
        guard let client else {
            let owned = HTTPClientService.makeClient()
            let result: Result<Reply, any Error>
            do {
                result = .success(try await send(body: body, as: source, to: baseURL, deliveryID: deliveryID, timestamp: timestamp, client: owned))
            } catch {
                result = .failure(error)
            }
            try await owned.shutdown()
            return try result.get()
        }
        let scheme = source.makeScheme()
        let id = deliveryID ?? "msg_" + ByteEncoding.hex(Digest.randomBytes(12))
        var request = HTTPClientRequest(url: "\(baseURL)/webhooks/\(source.name)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for field in scheme.sign(body: body, id: id, timestamp: timestamp ?? Date()) {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: text), location: response.headers.first(name: "Location"))
    }
}
