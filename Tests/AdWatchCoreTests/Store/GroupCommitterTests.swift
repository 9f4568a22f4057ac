@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import NIOConcurrencyHelpers
import Testing

struct GroupCommitterTests {
    /// A commit function that records each batch and, while `held`, waits until released.
    final class Recorder: Sendable {
        private let state = NIOLockedValueBox<(batches: [[Int]], gate: CheckedContinuation<Void, Never>?, held: Bool)>(([], nil, true))

        var batches: [[Int]] { state.withLockedValue { $0.batches } }
        var isWaiting: Bool { state.withLockedValue { $0.gate != nil } }

        func commit(_ operations: [Int]) async -> [Result<Int, any Error>] {
            state.withLockedValue { $0.batches.append(operations) }
            if state.withLockedValue({ $0.held }) {
                await withCheckedContinuation { continuation in state.withLockedValue { $0.gate = continuation } }
            }
            return operations.map { $0 < 0 ? .failure(Failure()) : .success($0 * 10) }
        }

        func release() {
            let gate = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                state.held = false
                defer { state.gate = nil }
                return state.gate
            }
            gate?.resume()
        }
    }

    struct Failure: Error {}

    @Test func sharesOneCommitAmongEveryoneWhoArrivedDuringThePreviousOne() async throws {
        let recorder = Recorder()
        let committer = GroupCommitter<Int, Int> { await recorder.commit($0) }
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (0, try await committer.submit(0)) }
            // Wait until the leader is inside its (held) commit, then queue ten more.
            while !recorder.isWaiting { await Task.yield() }
            for value in 1...10 {
                group.addTask { (value, try await committer.submit(value)) }
            }
            while await committer.waitingCount < 10 { await Task.yield() }
            recorder.release()
            for try await (input, output) in group {
                #expect(output == input * 10)
            }
        }
        #expect(recorder.batches.count == 2)
        #expect(recorder.batches[0] == [0])
        #expect(recorder.batches[1].sorted() == Array(1...10))
    }

    @Test func failsOnlyTheOperationThatFailed() async throws {
        let recorder = Recorder()
        recorder.release()
        let committer = GroupCommitter<Int, Int> { await recorder.commit($0) }
        #expect(try await committer.submit(3) == 30)
        await #expect(throws: Failure.self) { try await committer.submit(-1) }
        #expect(try await committer.submit(4) == 40)
    }
}
