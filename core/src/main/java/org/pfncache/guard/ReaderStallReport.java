package org.pfncache.guard;

import java.util.List;

/**
 * A writer has waited longer than its domain's reader-stall timeout for readers to leave their
 * sections (like the kernel's hung-task and RCU stall warnings, and Netty's leak reports), or
 * {@code Vm.close()} gave up waiting and leaked what the readers pinned ({@link #gaveUp()}).
 *
 * <p>{@link #readers()} names the readers the primitive can identify without costing the read
 * path anything: an SRCU reader by the reader slot it owns, an rwlock fast-path reader by the
 * live threads that hash to its visible-readers slot (none: it died inside its section); readers
 * counted only on a lock word have no identity. {@link #openSections()} lists the sections the
 * domain recorded, with the thread and stack where each was entered, when recording is on
 * ({@code Vm.Builder.recordSectionSites}); it costs a stack capture per {@code enter()}, so it is
 * off by default.
 *
 * @param lock          the lock or domain waited on ("&amp;gpc->lock", "kvm->srcu", ...)
 * @param operation     what waited (e.g. "write_lock", "synchronize_srcu", "Vm.close")
 * @param waiter        the waiting thread's name
 * @param waitedMillis  how long it had waited when reporting
 * @param readers       the readers identified, one line each
 * @param openSections  recorded open sections of the domain, each "description" then stack lines
 * @param gaveUp        true when the waiter stopped waiting (close) and left the rest leaked
 * @param detail        one more line (what leaked, what to do), or null
 */
public record ReaderStallReport(String lock, String operation, String waiter, long waitedMillis,
                                List<String> readers, List<String> openSections, boolean gaveUp, String detail) {
    public ReaderStallReport {
        readers = List.copyOf(readers);
        openSections = List.copyOf(openSections);
    }

    /** The report as logged: a hung-task style title, then readers, open sections and the detail. */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append("INFO: task ").append(waiter).append(gaveUp ? " gave up after " : " blocked for more than ")
                .append(waitedMillis).append(" ms waiting for readers of ").append(lock).append(" in ")
                .append(operation).append('\n');
        if (readers.isEmpty()) {
            b.append("  readers: none identified\n");
        }
        for (String r : readers) {
            b.append("  reader: ").append(r).append('\n');
        }
        if (openSections.isEmpty()) {
            b.append("  open sections: not recorded (Vm.Builder.recordSectionSites(true) records where each was entered)\n");
        }
        for (String s : openSections) {
            b.append("  open section: ").append(s).append('\n');
        }
        if (detail != null) {
            b.append("  ").append(detail).append('\n');
        }
        return b.toString();
    }
}
