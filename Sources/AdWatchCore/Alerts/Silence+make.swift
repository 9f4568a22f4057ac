public import Foundation

extension Silence {
    /// Validates an operator's request and builds the silence: at least one matcher, an end after the start.
    /// - Throws: ``ConfigError`` with a message for the operator.
    public static func make(matchers: [String], startsAt: Date, endsAt: Date, author: String, comment: String, now: Date) throws(ConfigError) -> Silence {
        guard !matchers.isEmpty else { throw ConfigError(path: "matchers", "a silence needs at least one matcher, e.g. campaign_id=5195") }
        var parsed: [LabelMatcher] = []
        for text in matchers { parsed.append(try LabelMatcher(parsing: text)) }
        guard endsAt > startsAt else { throw ConfigError(path: "ends_at", "must be after the start") }
        guard endsAt > now else { throw ConfigError(path: "ends_at", "is already in the past") }
        guard !author.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigError(path: "author", "say who is silencing") }
        return Silence(
            id: "sil_" + ByteEncoding.hex(Digest.randomBytes(8)), matchers: parsed, startsAt: startsAt, endsAt: endsAt, author: author,
            comment: comment, createdAt: now
        )
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
