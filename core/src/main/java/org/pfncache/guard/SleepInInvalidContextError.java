package org.pfncache.guard;

/** Thrown under {@link org.pfncache.GuardPolicy#THROW} when code might sleep where it must not. */
public class SleepInInvalidContextError extends Error {
    private static final long serialVersionUID = 1L;
    private final transient GuardReport report;

    public SleepInInvalidContextError(GuardReport report) {
        super(report.format());
        this.report = report;
    }

    public GuardReport report() {
        return report;
    }
}
