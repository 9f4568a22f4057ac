public import Foundation
public import HTTPTypes

/// Accepts every request: scheme `none`, allowed only with `insecure: true` and announced loudly at start-up.
public struct UnsignedScheme: SignatureScheme {
    public let name = "none"
    public let signatureHeaderNames: [HTTPField.Name] = []

    public init() {}

    public func verify(_ request: SignedRequest, now: Date) -> Result<VerifiedDelivery, SignatureFailure> {
        .success(VerifiedDelivery(bodyIsSigned: false))
    }

    public func sign(body: [UInt8], id: String, timestamp: Date) -> HTTPFields { [:] }
}
