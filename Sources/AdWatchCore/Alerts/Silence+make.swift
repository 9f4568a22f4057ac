public import Foundation

extension Silence {
    /// The most matchers one silence may have: every alert evaluation runs them all.
    public static let maxMatchers = 32
    /// The longest `author`, in bytes of UTF-8 (it goes into the audit log and onto the admin page).
    public static let maxAuthorLength = 128
    /// The longest `comment`, in bytes of UTF-8.
    public static let maxCommentLength = 1024
    /// The most silences that have not ended; creating one more is refused until some end or are expired.
    public static let maxNotEnded = 1000

    /// Validates an operator's request and builds the silence: one to ``maxMatchers`` matchers, an end
    /// after the start and at most 100 years ahead (a start at most 100 years back), author and comment
    /// within their lengths.
    /// - Throws: ``ConfigError`` with a message for the operator.
    public static func make(matchers: [String], startsAt: Date, endsAt: Date, author: String, comment: String, now: Date) throws(ConfigError) -> Silence {
        guard !matchers.isEmpty else { throw ConfigError(path: "matchers", "a silence needs at least one matcher, e.g. campaign_id=5195") }
        guard matchers.count <= maxMatchers else {
            throw ConfigError(path: "matchers", "\(matchers.count) matchers; at most \(maxMatchers) are allowed")
        }
        guard author.utf8.count <= maxAuthorLength else { throw ConfigError(path: "author", "at most \(maxAuthorLength) bytes") }
        guard comment.utf8.count <= maxCommentLength else { throw ConfigError(path: "comment", "at most \(maxCommentLength) bytes") }
        var parsed: [LabelMatcher] = []
        for text in matchers { parsed.append(try LabelMatcher(parsing: text)) }
        let horizon = ConfigDuration.maximum.timeInterval
        guard endsAt.timeIntervalSince(now) <= horizon else { throw ConfigError(path: "ends_at", "is more than 100 years from now") }
        guard now.timeIntervalSince(startsAt) <= horizon else { throw ConfigError(path: "starts_at", "is more than 100 years ago") }
        guard endsAt > startsAt else { throw ConfigError(path: "ends_at", "must be after the start") }
        guard endsAt > now else { throw ConfigError(path: "ends_at", "is already in the past") }
        guard !author.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigError(path: "author", "say who is silencing") }
        return Silence(
            id: "sil_" + ByteEncoding.hex(Digest.randomBytes(8)), matchers: parsed, startsAt: startsAt, endsAt: endsAt, author: author,
            comment: comment, createdAt: now
        )
    }

    /// Refuses a new silence when ``maxNotEnded`` have not ended yet.
    /// - Throws: ``ConfigError`` with a message for the operator.
    public static func ensureRoom(notEnded count: Int) throws(ConfigError) {
        guard count < maxNotEnded else {
            throw ConfigError(path: "", "\(count) silences have not ended; at most \(maxNotEnded) may be in force or scheduled — expire some first")
        }
    }

    /// The audit record for creating this silence.
    /// A silence aimed at one campaign (`campaign_id=…`) or brand (`brand_id=…`) is tagged with it, so it
    /// shows in that campaign's audit timeline.
    public func createdAudit(at now: Date) -> AuditDraft {
        func exact(_ label: String) -> String? { matchers.first { $0.name == label && !$0.isRegex }?.value }
        return AuditDraft(at: now, kind: .silenceCreated, campaign: exact("campaign_id"), brand: exact("brand_id"), details: [
            "silence_id": .string(id), "matchers": .string(matchers.map(\.description).joined(separator: ",")), "author": .string(author),
            "comment": .string(comment), "starts_at": .string(startsAt.formatted(.iso8601)), "ends_at": .string(endsAt.formatted(.iso8601)),
        ])
    }

    /// The audit record for ending silence `id` early.
    public static func expiredAudit(id: String, by author: String, at now: Date) -> AuditDraft {
        AuditDraft(at: now, kind: .silenceExpired, details: ["silence_id": .string(id), "author": .string(author)])
    }
}
