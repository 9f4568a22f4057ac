import Foundation

/// Text for Slack's mrkdwn, where `<…>` is markup: `<!channel>` pings everyone and `<https://x|label>` is a
/// link whose target the reader does not see. Whatever came from outside (Ads API errors, campaign names,
/// ids from webhooks) goes through ``escaped(_:limit:)``; links we build go through ``linkTarget(_:)``.
///
/// Lengths are counted in UTF-16 code units, which is never fewer than Slack's own count.
package enum SlackText {
    /// `&`, `<` and `>` as Slack asks (`&amp;`, `&lt;`, `&gt;`), cut to `limit` with `…` if longer. An
    /// escape is never cut in half.
    package static func escaped(_ text: String, limit: Int = .max) -> String {
        var out = ""
        var length = 0
        let budget = limit - 1  // room for the ellipsis if the text does not fit
        var cut: String?
        for character in text {
            let piece = switch character {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            default: String(character)
            }
            let pieceLength = piece.utf16.count
            if cut == nil && length + pieceLength > budget { cut = out }
            guard length + pieceLength <= limit else { return (cut ?? out) + "…" }
            out += piece
            length += pieceLength
        }
        return out
    }

    /// Plain text cut to `limit` (for `plain_text` objects such as the header), with `…` if longer.
    package static func truncated(_ text: String, limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var out = ""
        var length = 0
        for character in text {
            let pieceLength = String(character).utf16.count
            guard length + pieceLength <= limit - 1 else { break }
            out.append(character)
            length += pieceLength
        }
        return out + "…"
    }

    /// Text rendered by a Mustache template (HTML-escaped values) made safe for mrkdwn: the template's
    /// entities are turned back into characters, then ``escaped(_:limit:)`` is applied, so neither a
    /// `{{value}}` nor a `{{{value}}}` can put markup into the message.
    package static func fromRendered(_ text: String, limit: Int = .max) -> String {
        let plain = text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return escaped(plain, limit: limit)
    }

    /// A link target that cannot leave `<url|label>`: `http(s)` only, every character outside the URL
    /// set percent-encoded (`|`, `<`, `>`, spaces, quotes, non-ASCII), `&` written `&amp;`. `nil` for other
    /// schemes or a link longer than `limit`.
    package static func linkTarget(_ link: String, limit: Int = 2000) -> String? {
        let lowered = link.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else { return nil }
        guard let encoded = link.addingPercentEncoding(withAllowedCharacters: urlCharacters) else { return nil }
        let target = encoded.replacingOccurrences(of: "&", with: "&amp;")
        return target.utf16.count <= limit ? target : nil
    }

    /// RFC 3986 unreserved and reserved characters, and `%` (values are encoded already): nothing that
    /// ends a mrkdwn link.
    static let urlCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=%")
}
