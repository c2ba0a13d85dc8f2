package org.pfncache;

/** What the guard does when code might sleep in an invalid context (R12). */
public enum GuardPolicy {
    /** Throw {@link org.pfncache.guard.SleepInInvalidContextError} (after notifying the listener). */
    THROW,
    /** Notify the listener, log the splat, and carry on as the kernel does. */
    REPORT,
    /** Track nothing and report nothing: lock operations skip all per-thread bookkeeping. */
    OFF
}
