import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import AdWatchCore

/// The one way channels POST: a 2xx is success, anything else a ``AdWatchCore.ChannelError`` with `Retry-After` read.
///
/// The client never follows redirects (``HTTPClientService/outboundConfiguration``): a 3xx is a
/// non-retryable ``AdWatchCore.ChannelError/Code/redirected`` naming the status and both hosts, so credentials and
/// the alert stay with the receiver that was configured.
enum ChannelHTTP {
    static func post(
        _ url: String,
        headers: [(String, String)],
        body: [UInt8],
        client: HTTPClient,
        timeout: Duration
    ) async throws(AdWatchCore.ChannelError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: BoundedAnswer
        do {
            // Head and body within `timeout`; the status decides, whatever the body does after it (a 2xx
            // whose body drips, never ends or runs to 50 MB is still delivered, and is not sent again).
            response = try await client.exchange(request, timeout: timeout, bodyLimit: maxAnswer)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw AdWatchCore.ChannelError(.timeout)
        } catch {
            throw AdWatchCore.ChannelError(.network)
        }
        let status = response.status
        guard !(200..<300).contains(status) else { return }
        if (300..<400).contains(status) {
            throw AdWatchCore.ChannelError.redirect(status, from: url, to: response.headers.first(name: "Location"))
        }
        let retryAfter = RetryAfter.parse(response.headers.first(name: "Retry-After"), now: Date(), cap: RetryAfter.channelCap)
        var error = AdWatchCore.ChannelError.forStatus(status, retryAfter: retryAfter)
        if error.code == .rejected, let said = excerpt(response.body) { error.detail = "the receiver said \"\(said)\"" }
        throw error
    }

    static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }

    /// A receiver's answer made safe to keep in a dead letter's reason: printable ASCII, whitespace
    /// collapsed, at most ``excerptLength`` characters; `nil` when nothing is left.
    static func excerpt(_ answer: ByteBuffer) -> String? {
        var text = ""
        var pendingSpace = false
        for byte in answer.readableBytesView.prefix(4 * excerptLength) {
            guard (0x21...0x7e).contains(byte) else {
                pendingSpace = !text.isEmpty
                continue
            }
            if pendingSpace { text.append(" ") }
            pendingSpace = false
            text.append(Character(Unicode.Scalar(byte)))
            if text.count >= excerptLength { return text + "…" }
        }
        return text.isEmpty ? nil : text
    }

    static let excerptLength = 120

    /// The most of a receiver's answer that is read: enough for ``excerpt(_:)``.
    static let maxAnswer = 16 << 10
}

extension AdWatchCore.ChannelError {
    /// A 3xx: not followed, not retried; names the status, the receiver and where it pointed.
    static func redirect(_ status: Int, from url: String, to location: String?) -> AdWatchCore.ChannelError {
        AdWatchCore.ChannelError(.redirected, status: status, detail: HTTPClientService.redirectDetail(from: url, location: location))
    }
}
