public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore
public import ServiceLifecycle
import AdWatchCore
import AdWatchApp
import AdWatchMockAds

/// An application that also tells whoever waits which port it is listening on.
///
/// Everything is forwarded to the wrapped application, the server builder (HTTP/1.1, or TLS) included;
/// only ``onServerRunning(_:)`` adds one step,
/// so the demo can listen on port 0 (a free port) and still print the real URL.
///
/// ```swift
/// let app = ReportingPort(try await buildApplication(config: config, dependencies: dependencies))
/// // run it in a ServiceGroup, then:
/// let port = await app.port()
/// ```
public struct ReportingPort<Wrapped: ApplicationProtocol>: ApplicationProtocol {
    public typealias Responder = Wrapped.Responder

    let wrapped: Wrapped
    private let ports: AsyncStream<Int>
    private let reporter: AsyncStream<Int>.Continuation

    public init(_ wrapped: Wrapped) {
        self.wrapped = wrapped
        (ports, reporter) = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public var responder: Responder {
        get async throws { try await wrapped.responder }
    }

    public var server: HTTPServerBuilder { wrapped.server }
    public var eventLoopGroup: any EventLoopGroup { wrapped.eventLoopGroup }
    public var configuration: ApplicationConfiguration { wrapped.configuration }
    public var logger: Logger { wrapped.logger }
    public var services: [any Service] { wrapped.services }
    public var processesRunBeforeServerStart: [@Sendable () async throws -> Void] { wrapped.processesRunBeforeServerStart }

    @Sendable public func onServerRunning(_ channel: any Channel) async {
        await wrapped.onServerRunning(channel)
        if let port = channel.localAddress?.port {
            reporter.yield(port)
        }
    }

    /// The port once the server accepts connections; waits until then. Call it from one place only.
    public func port() async -> Int? {
        for await port in ports {
            return port
        }
        return nil
    }
}
