extension JSONValue {
    /// The value as compact JSON text, with object keys in sorted order so equal values print alike.
    ///
    /// Numbers print as they were parsed: an integer stays an integer (`550`, never `550.0`) and a number
    /// that arrived as a string (`"412.50"`) stays that string. A non-finite double, which JSON cannot
    /// express and ``JSONParser`` never produces, prints as `null`.
    ///
    /// ```swift
    /// JSONValue.object(["budget": .int(550), "spend": .string("412.50")]).jsonText
    /// // {"budget":550,"spend":"412.50"}
    /// ```
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the value's JSON text to `out`.
    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number): out += number.isFinite ? String(number) : "null"
        case .string(let text): CanonicalJSON.appendString(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                CanonicalJSON.appendString(key, to: &out)
                out += ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }
}
