import Foundation
import Report

// Every signal that ends the process ends it the same way: temporary output is removed,
// then the process dies by the signal itself, so the shell, CI and the sender see the true
// cause (status 128+N) and no half-written output stays behind. The dashboard adds its
// own handlers while it runs (it restores the terminal first, then dies the same way).

/// Signals whose default action ends the process, sent by a user, a shell or the system.
private let terminatingSignals: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGTERM, SIGPIPE, SIGALRM,
                                           SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF]
/// Faults: when the kernel raises them, the handler in place before (the Swift runtime's
/// backtracer) still gets them, after the clean-up.
private let faultSignals: [Int32] = [SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGFPE]
private nonisolated(unsafe) let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

/// Installs the handlers; call once, first thing in `main`.
func installTerminationHandlers() {
    for sig in terminatingSignals + faultSignals {
        // A signal ignored by whoever started us stays ignored (nohup, background jobs).
        var current = sigaction()
        sigaction(sig, nil, &current)
        if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
        var sa = sigaction()
        sa.__sigaction_handler.sa_sigaction = { sig, info, _ in
            // Async-signal context: unlink/rmdir of paths registered in advance, sigaction, raise.
            removePendingOutputFromSignalHandler()
            let kernelFault = (sig == SIGSEGV || sig == SIGILL || sig == SIGBUS || sig == SIGTRAP || sig == SIGFPE)
                && (info?.pointee.si_code ?? 0) > 0
            if kernelFault {
                // Returning re-runs the faulting instruction, which faults again into the
                // previous handler (the backtracer prints its report, then the process dies).
                sigaction(sig, previousActions + Int(sig), nil)
                return
            }
            // Sent by someone (kill, raise, abort): die by it now. SA_NODEFER lets the
            // raise take effect inside the handler.
            signal(sig, SIG_DFL)
            raise(sig)
        }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = SA_SIGINFO | SA_NODEFER
        sigaction(sig, &sa, previousActions + Int(sig))
    }
}
