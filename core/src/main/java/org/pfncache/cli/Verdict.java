package org.pfncache.cli;

/** What one scenario run showed; declared in precedence order, the first that applies wins. */
enum Verdict {
    BUG("BUG", "the guard reported \"sleeping function called from invalid context\" (R12); @site is the first report's"),
    WARN("WARN", "the kernel would WARN: a notifier with an end callback failed a non-blockable range (R10),"
            + " r = ranges the OOM reaper skipped, inc = reaps that gave up"),
    HANG("HANG", "a thread (or vm.close) did not finish within the duration plus the hang timeout"),
    ERROR("ERROR", "a thread failed with an unexpected exception (faults from reaped or unmapped memory are expected)"),
    UNSAFE("UNSAFE", "use after invalidate: stale = accesses through a stale mapping, freed = writes into freed"
            + " pages, lost = a vCPU read back something other than what it wrote"),
    RETRY("RETRY", "the OOM reaper skipped ranges or gave up without a WARN (mmap_lock busy):"
            + " r = ranges skipped, inc = reaps that gave up"),
    OK("OK", "none of the above"),
    NOT_AVAILABLE("N/A", "the strategy is not implemented yet (newCacheLock threw UnsupportedOperationException)");

    final String label;
    final String meaning;

    Verdict(String label, String meaning) {
        this.label = label;
        this.meaning = meaning;
    }
}
