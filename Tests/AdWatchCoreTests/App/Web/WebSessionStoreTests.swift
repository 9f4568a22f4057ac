@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// The session table stays bounded under a flood of sign-in forms, drops the oldest first, forgets what
/// expired, and never lets forms push a signed-in operator out.
struct WebSessionStoreTests {
    @Test func aFloodOfSignInFormsKeepsTheNewestUpToTheCap() {
        let store = WebSessionStore(clock: ManualWallClock(TestSupport.now), lifetime: 3600, formCapacity: 100, signedInCapacity: 10)
        let forms = (0..<1000).map { _ in store.create(signedIn: false) }
        #expect(store.count == 100)
        #expect(forms.prefix(900).allSatisfy { store.session(id: $0.id) == nil })
        #expect(forms.suffix(100).allSatisfy { store.session(id: $0.id) == $0 })
    }

    @Test func formsNeverEvictASignedInSession() {
        let store = WebSessionStore(clock: ManualWallClock(TestSupport.now), lifetime: 3600, formCapacity: 50, signedInCapacity: 10)
        let operator_ = store.create(signedIn: true, tokenDigest: "d")
        for _ in 0..<10_000 { _ = store.create(signedIn: false) }
        #expect(store.session(id: operator_.id) == operator_)
        #expect(store.count == 51)
    }

    @Test func signedInSessionsHaveTheirOwnCapOldestFirst() {
        let store = WebSessionStore(clock: ManualWallClock(TestSupport.now), lifetime: 3600, formCapacity: 50, signedInCapacity: 3)
        let sessions = (0..<5).map { _ in store.create(signedIn: true) }
        #expect(sessions.map { store.session(id: $0.id) != nil } == [false, false, true, true, true])
    }

    @Test func expiredSessionsAreDroppedAsNewOnesArrive() {
        let clock = ManualWallClock(TestSupport.now)
        let store = WebSessionStore(clock: clock, lifetime: 3600, formCapacity: 1000, signedInCapacity: 10)
        for _ in 0..<500 { _ = store.create(signedIn: false) }
        clock.advance(by: .seconds(601))  // the forms' lifetime is 600 s
        let fresh = store.create(signedIn: false)
        #expect(store.count == 1)
        #expect(store.session(id: fresh.id) == fresh)
    }

    @Test func sessionsRemovedElsewhereFreeTheirPlace() {
        let store = WebSessionStore(clock: ManualWallClock(TestSupport.now), lifetime: 3600, formCapacity: 50, signedInCapacity: 3)
        let first = store.create(signedIn: true)
        // Sign-outs leave ids behind in the creation order; they must not count against the cap.
        for _ in 0..<100 { store.remove(id: store.create(signedIn: true).id) }
        let second = store.create(signedIn: true)
        let third = store.create(signedIn: true)
        #expect([first, second, third].allSatisfy { store.session(id: $0.id) == $0 })
        #expect(store.count == 3)
        let fourth = store.create(signedIn: true)
        #expect(store.session(id: first.id) == nil)  // the oldest goes when a fourth arrives
        #expect(store.session(id: fourth.id) == fourth)
    }

    /// Random creates, removals, reads and clock steps against a simple model of the rule.
    @Test func theBoundHoldsForRandomTraffic() {
        var random = SeededRandom(seed: 7)
        let clock = ManualWallClock(TestSupport.now)
        let store = WebSessionStore(clock: clock, lifetime: 1200, formCapacity: 20, signedInCapacity: 5)
        var created: [WebSession] = []
        for _ in 0..<5000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5: created.append(store.create(signedIn: false))
            case 5..<7: created.append(store.create(signedIn: true))
            case 7: if let victim = created.randomElement(using: &random) { store.remove(id: victim.id) }
            case 8: if let some = created.randomElement(using: &random) { _ = store.session(id: some.id) }
            default: clock.advance(by: .seconds(Double(Int.random(in: 0...120, using: &random))))
            }
            #expect(store.count <= 25)
        }
        // Whatever is live is the newest of its kind and not expired.
        let live = created.filter { store.session(id: $0.id) != nil }
        #expect(live.allSatisfy { $0.expiresAt > clock.now() })
        #expect(live.filter(\.isSignedIn).count <= 5)
        #expect(live.filter { !$0.isSignedIn }.count <= 20)
    }
}
