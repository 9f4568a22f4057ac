import Foundation
import NIOConcurrencyHelpers

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
/// failure. Bounded: past ``capacity`` the entries closest to expiry go first (expired ones always).
final class WebSessionStore: Sendable {
    let clock: any WallClock
    let lifetime: TimeInterval
    /// How long the sign-in form stays valid.
    let signInLifetime: TimeInterval = 600
    let capacity: Int
    private let sessions = NIOLockedValueBox<[String: WebSession]>([:])

    init(clock: any WallClock, lifetime: TimeInterval, capacity: Int = 10_000) {
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new session with fresh random id and CSRF token.
    func create(signedIn: Bool, tokenDigest: String = "") -> WebSession {
        let now = clock.now()
        let session = WebSession(
            id: ByteEncoding.hex(Digest.randomBytes(32)), csrfToken: ByteEncoding.hex(Digest.randomBytes(32)), isSignedIn: signedIn,
            expiresAt: now.addingTimeInterval(signedIn ? lifetime : signInLifetime), tokenDigest: tokenDigest
        )
        sessions.withLockedValue { sessions in
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity {
                // Unauthenticated sign-in forms are the cheap ones to forge in bulk: they go first.
                let victims = sessions.values.sorted { ($0.isSignedIn ? 1 : 0, $0.expiresAt) < ($1.isSignedIn ? 1 : 0, $1.expiresAt) }
                for victim in victims.prefix(sessions.count - capacity + 1) { sessions[victim.id] = nil }
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id; an expired one is removed and not returned.
    func session(id: String?) -> WebSession? {
        guard let id else { return nil }
        let now = clock.now()
        return sessions.withLockedValue { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiresAt > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func remove(id: String) {
        _ = sessions.withLockedValue { $0.removeValue(forKey: id) }
    }

    var count: Int { sessions.withLockedValue { $0.count } }

    /// Whether a submitted CSRF token is the session's, in constant time.
    static func csrfMatches(_ session: WebSession, _ submitted: String?) -> Bool {
        guard let submitted else { return false }
        return Digest.constantTimeEquals(Array(submitted.utf8), Array(session.csrfToken.utf8))
    }
}
