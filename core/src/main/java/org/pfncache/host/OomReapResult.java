package org.pfncache.host;

/**
 * The outcome of {@link HostMm#oomReap}: whether every range was reaped, how many attempts were
 * made, and how many ranges were reaped or skipped because a notifier returned RETRY (R10),
 * summed over all attempts.
 */
public record OomReapResult(boolean complete, int attempts, int rangesReaped, int rangesRetried) {
}
