import AsyncHTTPClient
import Foundation
import AdWatchCore

/// Email through an HTTP API: SendGrid (v3 mail send), Postmark or Mailgun, with plain-text and HTML
/// bodies from templates. The base URL is configurable so tests point it at a local server.
struct EmailChannel: NotificationChannel {
    let name: String
    let provider: ChannelConfig.EmailProvider
    let baseURL: String
    let apiKey: Secret
    let from: String
    let to: [String]
    let cc: [String]
    let domain: String
    let client: HTTPClient
    let timeout: Duration
    let renderer: MessageRenderer

    static func defaultBaseURL(_ provider: ChannelConfig.EmailProvider) -> String {
        switch provider {
        case .sendgrid: "https://api.sendgrid.com"
        case .postmark: "https://api.postmarkapp.com"
        case .mailgun: "https://api.mailgun.net"
        }
    }

    func send(_ message: OutboundMessage) async throws(ChannelError) {
        let (url, headers, body) = request(message)
        try await ChannelHTTP.post(url, headers: headers, body: body, client: client, timeout: timeout)
    }

    /// The provider's request: URL, headers (credentials included) and body.
    func request(_ message: OutboundMessage) -> (String, [(String, String)], [UInt8]) {
        let subject = renderer.subject(message)
        let text = renderer.text(message)
        let html = renderer.html(message)
        switch provider {
        case .sendgrid:
            var personalization: [String: Any] = ["to": to.map { ["email": $0] }]
            if !cc.isEmpty { personalization["cc"] = cc.map { ["email": $0] } }
            let body: [String: Any] = [
                "personalizations": [personalization], "from": ["email": from], "subject": subject,
                "content": [["type": "text/plain", "value": text], ["type": "text/html", "value": html]],
            ]
            return ("\(baseURL)/v3/mail/send", [("Content-Type", "application/json"), ("Authorization", "Bearer \(apiKey.text)")], ChannelHTTP.json(body))
        case .postmark:
            var body: [String: Any] = ["From": from, "To": to.joined(separator: ","), "Subject": subject, "TextBody": text, "HtmlBody": html, "MessageStream": "outbound"]
            if !cc.isEmpty { body["Cc"] = cc.joined(separator: ",") }
            return ("\(baseURL)/email", [("Content-Type", "application/json"), ("Accept", "application/json"), ("X-Postmark-Server-Token", apiKey.text)],
                    ChannelHTTP.json(body))
        case .mailgun:
            var fields: [(String, String)] = [("from", from)] + to.map { ("to", $0) } + cc.map { ("cc", $0) }
            fields += [("subject", subject), ("text", text), ("html", html)]
            let form = fields.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
            let credentials = Data("api:\(apiKey.text)".utf8).base64EncodedString()
            return ("\(baseURL)/v3/\(domain)/messages", [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic \(credentials)")],
                    Array(form.utf8))
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
