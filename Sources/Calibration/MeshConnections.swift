import SimCore

/// How a mesh's proxies keep their connections to each other: the connections that carry
/// mTLS, so where handshakes happen and where certificates are checked (issue 13).
///
/// A new connection costs a TCP handshake (one round trip) and, under mTLS, a TLS 1.3
/// handshake (one more round trip, RFC 8446 §2 "1-RTT handshake") plus the asymmetric
/// crypto on both sides; a pooled connection costs nothing more. Certificates are checked
/// only in the handshake: connections opened before a certificate expired live on until
/// they close (istio/istio#7630, "Envoy TLS connection remains alive after certificate
/// expired"). Topology/MeshConnections.swift applies it.
public struct MeshConnections: Sendable, Equatable {
    /// Proxy-to-proxy HTTP/2: one connection per peer carries every request (Linkerd's
    /// transparent upgrade, ambient's HBONE). False: HTTP/1.1, one request at a time per
    /// connection, a pool per peer (Envoy's default upstream protocol).
    public var multiplexed: Bool
    /// A pooled connection with no request for this long is closed (ns).
    public var idleTimeout: SimTime

    public init(multiplexed: Bool, idleTimeout: SimTime) {
        self.multiplexed = multiplexed; self.idleTimeout = idleTimeout
    }

    /// CPU one side spends on a mutual-TLS 1.3 handshake (seconds; it is on the critical
    /// path at both ends, so a handshake adds twice this to the request's latency).
    /// assumption: an ECDHE key share and shared secret (X25519, two operations), one
    /// ECDSA P-256 signature and the verification of the peer's two-certificate chain
    /// (leaf and intermediate) cost about 0.25 ms on one server core with BoringSSL
    /// (`bssl speed` orders of magnitude: tens of microseconds per X25519 or P-256 sign,
    /// about 70 µs per P-256 verify); no mesh publishes a per-handshake figure.
    public static let handshakeCPUSeconds = 0.00025
}
