import Hummingbird
import HTTPTypes
import NIOCore
import AdWatchCore

/// Small JSON responses built without reflection: the ingest path answers thousands per second.
enum JSONReply {
    static func make(_ status: HTTPResponse.Status, _ fields: KeyValuePairs<String, String>, headers: HTTPFields = [:]) -> Response {
        var text = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { text += "," }
            CanonicalJSON.appendString(key, to: &text)
            text += ":"
            CanonicalJSON.appendString(value, to: &text)
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
}
