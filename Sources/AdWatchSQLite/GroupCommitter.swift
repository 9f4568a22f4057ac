import AdWatchCore
/// Batches concurrent writes into shared transactions: one commit (one fsync) serves every request
/// that arrived while the previous commit was in flight.
///
/// The first caller to find the committer idle becomes the leader: it commits everything pending,
/// hands each waiter its own result, and passes leadership to the oldest waiter that arrived during
/// the commit. No background task is needed, and no caller waits for more than two commits.
///
/// ```swift
/// let committer = GroupCommitter<Op, Output> { ops in await commitInOneTransaction(ops) }
/// let output = try await committer.submit(op)
/// ```
actor GroupCommitter<Operation: Sendable, Output: Sendable> {
    /// Commits a batch; returns one result per operation, in order.
    typealias Commit = @Sendable ([Operation]) async -> [Result<Output, any Error>]

    private enum Wake: Sendable {
        case done(Result<Output, any Error>)
        case lead
    }

    private struct Entry {
        var id: UInt64
        var operation: Operation
        var continuation: CheckedContinuation<Wake, Never>?
    }

    private let commit: Commit
    private var pending: [Entry] = []
    private var leading = false
    private var nextID: UInt64 = 0
    /// Sizes of the batches committed so far (for tests and load figures).
    private(set) var batchCount = 0
    private(set) var operationCount = 0

    /// Operations waiting for the commit in flight.
    var waitingCount: Int { pending.count }

    init(commit: @escaping Commit) {
        self.commit = commit
    }

    /// Submits an operation and returns once the transaction holding it has committed.
    func submit(_ operation: Operation) async throws -> Output {
        let id = nextID
        nextID &+= 1
        if leading {
            let wake = await withCheckedContinuation { continuation in
                pending.append(Entry(id: id, operation: operation, continuation: continuation))
            }
            if case .done(let result) = wake { return try result.get() }
            // Woken as the next leader: our entry is still first in `pending`.
        } else {
            leading = true
            pending.append(Entry(id: id, operation: operation, continuation: nil))
        }

        let batch = pending
        pending.removeAll(keepingCapacity: true)
        let results = await commit(batch.map(\.operation))
        batchCount += 1
        operationCount += batch.count

        var own: Result<Output, any Error> = .failure(CancellationError())
        for (entry, result) in zip(batch, results) {
            if entry.id == id {
                own = result
            } else {
                entry.continuation?.resume(returning: .done(result))
            }
        }
        if let next = pending.first {
            next.continuation?.resume(returning: .lead)
        } else {
            leading = false
        }
        return try own.get()
    }
}
