import AdWatchCore
extension MockAdsAPI {
    /// A control API request body was not what the endpoint takes; the message says what to fix.
    struct InvalidControlBody: Error, Equatable {
        var message: String

        init(_ message: String) {
            self.message = message
        }
    }

    /// A control API body: a JSON object read strictly, so a misspelt field in a test is an error
    /// rather than a change that silently never happens.
    struct ControlBody {
        let members: [String: JSONValue]

        /// - Throws: ``InvalidControlBody`` when `json` is not an object or has a member outside `allowed`.
        init(_ json: JSONValue, allowed: Set<String>) throws(InvalidControlBody) {
            guard case .object(let members) = json else { throw .init("the body must be a JSON object") }
            if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw .init("unknown field '\(unknown)'; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
            self.members = members
        }

        /// The member's value; nil when absent.
        func value(_ key: String) -> JSONValue? {
            members[key]
        }

        func string(_ key: String) throws(InvalidControlBody) -> String? {
            switch members[key] {
            case nil: return nil
            case .string(let text)?: return text
            default: throw .init("\(key) must be a string")
            }
        }

        func integer(_ key: String) throws(InvalidControlBody) -> Int? {
            switch members[key] {
            case nil: return nil
            case .int(let number)?: return Int(number)
            default: throw .init("\(key) must be an integer")
            }
        }

        func bool(_ key: String) throws(InvalidControlBody) -> Bool? {
            switch members[key] {
            case nil: return nil
            case .bool(let flag)?: return flag
            default: throw .init("\(key) must be true or false")
            }
        }
    }
}
