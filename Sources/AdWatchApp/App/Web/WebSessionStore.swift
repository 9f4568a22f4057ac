import Foundation
import NIOConcurrencyHelpers
import AdWatchCore

/// A sign-in session of the admin web page.
struct WebSession: Sendable, Equatable {
    /// The cookie value: 32 random bytes from libcrypto, hex.
    var id: String
    /// The token every POST form of this session carries; compared in constant time.
    var csrfToken: String
    /// False for the short-lived session that only carries the sign-in form's CSRF token.
    var isSignedIn: Bool
    var expiresAt: Date
    /// SHA-256 of the admin token this session signed in with: a rotated token ends the session.
    var tokenDigest: String = ""
}

/// Sessions in memory, expiring by the injected clock. A restart signs everyone out, which is the safe
/// failure.
///
/// Bounded without ever copying or sorting the table: sign-in forms (anyone can ask for one) and signed-in
/// sessions (only the token holder can make one) are kept apart, each with its own cap, in creation order.
/// Within one kind every session has the same lifetime, so the oldest is also the first to expire: expired
/// ones are dropped from the front, and past the cap the oldest of that kind goes. A flood of sign-in forms
/// can never push a signed-in operator out.
final class WebSessionStore: Sendable {
    let clock: any WallClock
    let lifetime: TimeInterval
    /// How long the sign-in form stays valid.
    let signInLifetime: TimeInterval = 600
    /// Most sign-in forms and most signed-in sessions held at once.
    let formCapacity: Int
    let signedInCapacity: Int
    private let table = NIOLockedValueBox(Table())

    /// The sessions by id, and each kind's ids in creation order.
    private struct Table {
        var sessions: [String: WebSession] = [:]
        var forms = CreationOrder()
        var signedIn = CreationOrder()

        mutating func insert(_ session: WebSession, capacity: Int, now: Date) {
            if session.isSignedIn {
                signedIn.admit(session.id, capacity: capacity, now: now, sessions: &sessions)
            } else {
                forms.admit(session.id, capacity: capacity, now: now, sessions: &sessions)
            }
            sessions[session.id] = session
        }

        mutating func remove(_ id: String) {
            guard let session = sessions.removeValue(forKey: id) else { return }
            if session.isSignedIn { signedIn.forget() } else { forms.forget() }
        }
    }

    init(clock: any WallClock, lifetime: TimeInterval, formCapacity: Int = 10_000, signedInCapacity: Int = 1_000) {
        self.clock = clock
        self.lifetime = lifetime
        self.formCapacity = max(1, formCapacity)
        self.signedInCapacity = max(1, signedInCapacity)
    }

    /// A new session with fresh random id and CSRF token.
    func create(signedIn: Bool, tokenDigest: String = "") -> WebSession {
        let now = clock.now()
        let session = WebSession(
            id: ByteEncoding.hex(Digest.randomBytes(32)), csrfToken: ByteEncoding.hex(Digest.randomBytes(32)), isSignedIn: signedIn,
            expiresAt: now.addingTimeInterval(signedIn ? lifetime : signInLifetime), tokenDigest: tokenDigest
        )
        let capacity = signedIn ? signedInCapacity : formCapacity
        table.withLockedValue { $0.insert(session, capacity: capacity, now: now) }
        return session
    }

    /// The live session with this id; an expired one is removed and not returned.
    func session(id: String?) -> WebSession? {
        guard let id else { return nil }
        let now = clock.now()
        return table.withLockedValue { table in
            guard let session = table.sessions[id] else { return nil }
            guard session.expiresAt > now else {
                table.remove(id)
                return nil
            }
            return session
        }
    }

    func remove(id: String) {
        table.withLockedValue { $0.remove(id) }
    }

    /// Sessions held, expired ones not yet dropped included.
    var count: Int { table.withLockedValue { $0.sessions.count } }

    /// Whether a submitted CSRF token is the session's, in constant time.
    static func csrfMatches(_ session: WebSession, _ submitted: String?) -> Bool {
        guard let submitted else { return false }
        return Digest.constantTimeEquals(Array(submitted.utf8), Array(session.csrfToken.utf8))
    }
}

/// One kind's session ids, oldest first: an array read from a moving head, compacted now and then, so
/// every operation is amortised O(1). Ids of sessions removed by other means (sign-out, expiry on read)
/// stay here until they reach the front or a compaction drops them.
private struct CreationOrder {
    private var ids: [String] = []
    private var head = 0
    /// Sessions of this kind in the table (the ids here minus those removed elsewhere).
    private(set) var live = 0

    /// Makes room for one more id of this kind: drops gone and expired ids from the front, evicts the
    /// oldest while `capacity` are live, then appends `id`.
    mutating func admit(_ id: String, capacity: Int, now: Date, sessions: inout [String: WebSession]) {
        while head < ids.count {
            let oldest = ids[head]
            if let session = sessions[oldest] {
                guard session.expiresAt <= now || live >= capacity else { break }
                sessions[oldest] = nil
                live -= 1
            }
            head += 1
        }
        if head > 0 && head * 2 >= ids.count {
            ids.removeFirst(head)
            head = 0
        } else if ids.count - head > 2 * capacity {
            // Mostly ids removed elsewhere: keep the live ones, still in creation order.
            ids = ids[head...].filter { sessions[$0] != nil }
            head = 0
        }
        ids.append(id)
        live += 1
    }

    /// A session of this kind was removed from the table by other means.
    mutating func forget() {
        live -= 1
    }
}
