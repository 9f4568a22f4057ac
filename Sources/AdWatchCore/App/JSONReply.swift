import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Small JSON responses built without reflection: the ingest path answers thousands per second.
enum JSONReply {
    static func make(_ status: HTTPResponse.Status, _ fields: KeyValuePairs<String, String>, headers: HTTPFields = [:]) -> Response {
        var text = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { text += "," }
            text += "\"\(escape(key))\":\"\(escape(value))\""
        }
        text += "}"
        var allHeaders = headers
        allHeaders[.contentType] = "application/json"
        return Response(status: status, headers: allHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error body: `{"error": code, "message": message}`. Never carries internal error text.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) -> Response {
        make(status, ["error": code, "message": message], headers: headers)
    }

    private static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "\"" || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 } ?? false }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
