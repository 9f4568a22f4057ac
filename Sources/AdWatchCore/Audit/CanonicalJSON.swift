/// Compact JSON with keys in sorted order: the stored (and hashed) form of audit details and of
/// stored request headers.
///
/// Written by hand rather than with `JSONEncoder` for two reasons: the text is part of the audit
/// hash, so it must not change with a Foundation upgrade; and it runs for every webhook
/// (`JSONEncoder` was 10 % of the receiver's CPU under load).
package enum CanonicalJSON {
    static func encode(_ members: [String: AuditValue]) -> String {
        var out = "{"
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            switch members[key]! {
            case .string(let text): appendString(text, to: &out)
            case .int(let number): out += String(number)
            case .bool(let flag): out += flag ? "true" : "false"
            }
        }
        return out + "}"
    }

    package static func encode(_ members: [String: String]) -> String {
        encode(members.mapValues(AuditValue.string))
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    package static func appendString(_ text: String, to out: inout String) {
        out += "\""
        // Almost every value (ids, hashes, header values) needs no escaping: append it whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
