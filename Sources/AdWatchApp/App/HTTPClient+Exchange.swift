import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import AdWatchCore

/// An answer read within one deadline and a size limit (``AsyncHTTPClient/HTTPClient/exchange(_:timeout:bodyLimit:)``).
struct BoundedAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    /// The body, or as much of it as arrived before the deadline and within the limit.
    var body: ByteBuffer
    /// Why the body was not read to its end; nil when it was.
    var cut: Cut?

    enum Cut: Sendable, Equatable {
        /// Longer than the limit: reading stopped there and the connection was closed.
        case tooLarge
        /// The deadline passed while the body was still arriving (a peer that drips, or never ends it).
        case deadline
        /// The connection failed mid-body (reset, closed early, bad framing).
        case failed
    }
}

extension HTTPClient {
    /// Sends `request` and reads its answer, head and body, within one `timeout`, keeping at most
    /// `bodyLimit` bytes of the body.
    ///
    /// AsyncHTTPClient's own deadline ends when the head arrives and the client has no read timeout, so a
    /// peer that sends a head and then drips its body, or never ends it, would hold the caller (a
    /// delivery pass, the processor) for ever; and `collect(upTo:)` fails a 2xx whose body is merely
    /// long. Here the whole exchange is cancelled at the deadline, the outcome of the body is a
    /// ``BoundedAnswer/Cut`` the caller judges, and the connection is closed whenever reading stops early.
    /// - Throws: `HTTPClientError.deadlineExceeded` when no head arrived in time; what `execute` throws.
    func exchange(_ request: HTTPClientRequest, timeout: Duration, bodyLimit: Int) async throws -> BoundedAnswer {
        let deadline = ContinuousClock.now + timeout
        return try await withThrowingTaskGroup(of: Reading.self) { group in
            group.addTask {
                let response = try await self.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                let (body, cut) = await Self.read(response.body, limit: bodyLimit)
                return .answer(BoundedAnswer(status: Int(response.status.code), headers: response.headers, body: body, cut: cut))
            }
            group.addTask {
                try? await _Concurrency.Task.sleep(until: deadline, clock: .continuous)
                return .deadline
            }
            defer { group.cancelAll() }
            do {
                while let reading = try await group.next() {
                    switch reading {
                    case .answer(let answer): return answer
                    // The exchange is cancelled: before the head that fails it, after the head the reader
                    // stops (closing the connection) and hands back what it has.
                    case .deadline: group.cancelAll()
                    }
                }
            } catch where group.isCancelled {
                try _Concurrency.Task.checkCancellation()
                throw HTTPClientError.deadlineExceeded
            }
            throw HTTPClientError.deadlineExceeded
        }
    }

    private enum Reading: Sendable {
        case answer(BoundedAnswer)
        case deadline
    }

    private static func read(_ body: HTTPClientResponse.Body, limit: Int) async -> (ByteBuffer, BoundedAnswer.Cut?) {
        var bytes = ByteBuffer()
        do {
            for try await var chunk in body {
                guard chunk.readableBytes <= limit - bytes.readableBytes else { return (bytes, .tooLarge) }
                bytes.writeBuffer(&chunk)
            }
        } catch {
            return (bytes, _Concurrency.Task.isCancelled ? .deadline : .failed)
        }
        // A cancelled body stream may simply end: that is the deadline, not the end of the body.
        return (bytes, _Concurrency.Task.isCancelled ? .deadline : nil)
    }
}
