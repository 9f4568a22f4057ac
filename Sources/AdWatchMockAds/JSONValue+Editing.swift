import AdWatchCore
extension JSONValue {
    /// Replaces the value at a dotted path (`data.campaign_metadata.budget`), creating missing objects
    /// on the way; array elements are addressed by index (`items.0.id`).
    ///
    /// A path through a scalar, or an index outside an array, changes nothing: the mock edits
    /// documents it loaded, and never wants a half-applied change to invent structure inside an array.
    mutating func set(_ value: JSONValue, at path: String) {
        modify(at: path) { $0 = value }
    }

    /// Runs `change` on the value at a dotted path; a missing object member starts as `null`.
    mutating func modify(at path: String, _ change: (inout JSONValue) -> Void) {
        modify(at: path.split(separator: ".").map(String.init)[...], change)
    }

    private mutating func modify(at components: ArraySlice<String>, _ change: (inout JSONValue) -> Void) {
        guard let first = components.first else {
            change(&self)
            return
        }
        let rest = components.dropFirst()
        switch self {
        case .object(var members):
            var child = members[first] ?? (rest.isEmpty ? .null : .object([:]))
            child.modify(at: rest, change)
            members[first] = child
            self = .object(members)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { return }
            items[index].modify(at: rest, change)
            self = .array(items)
        default:
            return
        }
    }
}
