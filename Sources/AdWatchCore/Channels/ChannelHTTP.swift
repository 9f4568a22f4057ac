import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one way channels POST: a 2xx is success, anything else a ``ChannelError`` with `Retry-After` read.
enum ChannelHTTP {
    static func post(
        _ url: String,
        headers: [(String, String)],
        body: [UInt8],
        client: HTTPClient,
        timeout: Duration
    ) async throws(ChannelError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            _ = try await response.body.collect(upTo: 1 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ChannelError(.timeout)
        } catch {
            throw ChannelError(.network)
        }
        let status = Int(response.status.code)
        guard !(200..<300).contains(status) else { return }
        let retryAfter = RetryAfter.parse(response.headers.first(name: "Retry-After"), now: Date(), cap: RetryAfter.channelCap)
        throw ChannelError.forStatus(status, retryAfter: retryAfter)
    }

    static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }
}
