import NIOConcurrencyHelpers

/// Runs an operation for at most a given time: a probe of a store that hangs (a locked database, a
/// stuck disk) must still answer its caller.
enum Deadline {
    /// The operation did not finish in time; it was cancelled and is left to end on its own.
    struct Exceeded: Error {}

    /// The operation's result, or ``Exceeded`` after `limit`. The caller is answered at the deadline
    /// even when the operation ignores cancellation.
    static func run<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            pending.withLockedValue { $0 = continuation }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                pending.withLockedValue { $0.take() }?.resume(with: result)
            }
            Task {
                try await Task.sleep(for: limit)
                guard let waiting = pending.withLockedValue({ $0.take() }) else { return }
                work.cancel()
                waiting.resume(throwing: Exceeded())
            }
        }
    }
}
