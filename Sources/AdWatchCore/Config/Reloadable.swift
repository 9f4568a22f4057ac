import Synchronization

/// A value that a configuration reload replaces as a whole while the service runs.
///
/// Copies of a struct that holds one share the box, so replacing the value reaches every copy.
/// Readers take the current value once per request or pass and work with that snapshot.
///
/// ```swift
/// let sources = Reloadable(["symphony": WebhookSource(config: config)])
/// sources.replace(with: newSources)   // on SIGHUP
/// let source = sources.current["symphony"]
/// ```
public final class Reloadable<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    public init(_ value: Value) {
        self.value = Mutex(value)
    }

    /// The value in force now.
    public var current: Value {
        value.withLock { $0 }
    }

    /// Puts `newValue` in force for every later reader.
    public func replace(with newValue: Value) {
        value.withLock { $0 = newValue }
    }
}
