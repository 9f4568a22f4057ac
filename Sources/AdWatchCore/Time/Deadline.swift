import NIOConcurrencyHelpers

/// Runs an operation for at most a given time: a probe of a store that hangs (a locked database, a
/// stuck disk) must still answer its caller.
package enum Deadline {
    /// The operation did not finish in time; it was cancelled and is left to end on its own.
    package struct Exceeded: Error {}

    /// The operation's result, or ``Exceeded`` after `limit`. The caller is answered at the deadline
    /// even when the operation ignores cancellation; an operation that ends in time stops the timer.
    package static func run<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            pending.withLockedValue { $0 = continuation }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                guard let waiting = pending.withLockedValue({ $0.take() }) else { return }
                timer.withLockedValue { $0?.cancel() }
                waiting.resume(with: result)
            }
            timer.withLockedValue {
                $0 = Task {
                    do { try await Task.sleep(for: limit) } catch { return }
                    guard let waiting = pending.withLockedValue({ $0.take() }) else { return }
                    work.cancel()
                    waiting.resume(throwing: Exceeded())
                }
            }
        }
    }
}

/// One run of an operation at a time, shared by every caller that asks while it runs.
///
/// Probes of a store that hangs (`/readyz`, a metrics scrape) then wait on one stuck call instead of
/// starting one more each time they are asked: the number of stuck calls stays one, however often a
/// load balancer probes.
///
/// ```swift
/// let ping = SingleFlight<Void>()
/// try await Deadline.run(within: .seconds(2)) { try await ping.run { try await store.ping() } }
/// ```
package final class SingleFlight<T: Sendable>: Sendable {
    package init() {}

    private struct State {
        var started: UInt64 = 0
        var running: (id: UInt64, task: Task<T, any Error>)?
    }

    private let state = NIOLockedValueBox(State())

    /// The running call's result, or a new call's when none runs. Cancelling the caller does not cancel
    /// the shared call (others may be waiting on it).
    package func run(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = state.withLockedValue { state -> Task<T, any Error> in
            if let running = state.running { return running.task }
            state.started &+= 1
            let id = state.started
            // The task's clean-up takes the same lock, so it cannot run before `running` is set below.
            let task = Task { [box = self.state] in
                defer { box.withLockedValue { if $0.running?.id == id { $0.running = nil } } }
                return try await operation()
            }
            state.running = (id, task)
            return task
        }
        return try await task.value
    }
}
