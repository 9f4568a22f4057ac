#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AdWatchCore

/// The one `adwatch serve` on an SQLite file: an exclusive `flock` on `<database>.lock`, held for the
/// life of the process (the kernel drops it when the process ends, however it ends).
///
/// The embedded store is single-node: at start it releases every claim another process made, because
/// that process must be dead. A second `serve` on the same file (two pods on one volume during a
/// rollout, a forgotten test instance) would release the first one's claims and send its messages
/// again, so it is refused instead. One-off commands (`audit`, `events`, …) do not take the lock.
///
/// ```swift
/// let lock = try ServiceLock(database: "/var/lib/adwatch/adwatch.sqlite")   // keep it as long as the service runs
/// ```
public final class ServiceLock: Sendable {
    /// Another process holds the lock.
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "another `adwatch serve` is using \(path): the SQLite store is single-node (stop the other one; several replicas need PostgreSQL)"
        }
    }

    private let descriptor: Int32

    /// - Throws: ``Held`` when another process holds the lock; a ``ConfigError`` when the lock file cannot be opened.
    public init(database path: String) throws {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ConfigError(path: "store.sqlite", "cannot open the lock file '\(lockPath)' (errno \(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw Held(path: path)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
