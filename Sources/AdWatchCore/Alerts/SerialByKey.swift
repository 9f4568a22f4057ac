import NIOConcurrencyHelpers

/// Runs work for one key at a time, in arrival order; different keys run concurrently.
///
/// The alert evaluator judges a campaign from the processor (after a fetch) and from the scheduler
/// (a due check); two evaluations of one campaign at once would both see no alert and both queue a
/// notification. Serialised, the second one sees what the first stored.
final class SerialByKey: Sendable {
    /// Per busy key, the tasks waiting for it; a key is absent when nobody holds it.
    private let waiting = NIOLockedValueBox<[String: [CheckedContinuation<Void, Never>]]>([:])

    init() {}

    func run<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = waiting.withLockedValue { waiting -> Bool in
                guard waiting[key] != nil else {
                    waiting[key] = []
                    return true
                }
                waiting[key]!.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the key to the next waiter, or frees it.
    private func release(_ key: String) {
        let next = waiting.withLockedValue { waiting -> CheckedContinuation<Void, Never>? in
            guard var queue = waiting[key], !queue.isEmpty else {
                waiting[key] = nil
                return nil
            }
            let next = queue.removeFirst()
            waiting[key] = queue
            return next
        }
        next?.resume()
    }
}
