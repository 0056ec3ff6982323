/// Whether a fault can do anything in a topology of a given kind: `topsim validate`
/// prints a note for each pair where it cannot, instead of silently doing nothing.
extension Fault {
    public func inapplicability(to kind: TopologyKind) -> String? {
        switch (self.kind, kind) {
        case (.proxyCrash, .none):
            return "has no proxies"
        case (.proxyCrash, .gateway):
            if case .instance = target { return "has no sidecars (target gateway/N to crash a gateway replica)" }
            if case .service = target { return "has no sidecars (target gateway/N to crash a gateway replica)" }
            return nil
        case (.gatewayDown, .none):
            return "has no gateway"
        case (.restart, .none), (.restart, .gateway), (.restart, .sidecarless):
            return proxyReadyAfter != nil ? "has no sidecars: the restart applies, the startup race does not" : nil
        case (.controlPlaneDown, .none), (.controlPlaneDown, .gateway):
            return "has no mesh control plane or certificates"
        default:
            return nil
        }
    }
}
