package org.pfncache.lincheck;

/**
 * A compact, test-only model of the cache/notifier protocol (docs/semantics.md, R1, R4, R5, R8, R9):
 * one cache on one page, the Vm's {@code gpc_list}, {@code mn_active_invalidate_count} and
 * {@code mmu_invalidate_seq}, and a host page table whose single pte is the page's pfn. Pfns are
 * numbered versions of the page: {@link #migrate()} moves the page to {@code pte + 1} and frees the
 * old pfn, so a valid cache whose pfn differs from the pte maps a freed page (a lost invalidation,
 * I4).
 *
 * <p>The negative controls run it in a broken {@link Variant}; the correct variant must pass the
 * same scenarios. The jcstress controls (stress module, {@code org.pfncache.stress.negative}) and
 * their Lincheck twins ({@link NotifierModelLincheckTest}) share this class through core's test jar.
 *
 * <p>Deliberately left out: {@code refresh_lock}. In core it serialises activate against refresh,
 * which hides the R1 order; the model lets a refresh run concurrently with activate (as KVM did
 * before refresh_lock), so the order R1 requires is what alone keeps the protocol correct. The
 * read side is not modelled either: {@link #lostInvalidation()} inspects the final state.
 *
 * <p>Synchronisation: {@code lock} is the cache's write side and guards active/valid/pfn;
 * {@code gpcLock} guards the list membership; count and sequence are volatile and written under
 * {@code mnInvalidateLock}; the pte is volatile (the page-table walk reads it without a lock).
 */
public final class NotifierModel {

    /** Which protocol step, if any, is broken. */
    public enum Variant {
        /** The protocol as docs/semantics.md states it. */
        CORRECT,
        /** (c) Refresh publishes without {@code mmu_notifier_retry_cache} (R5). */
        REFRESH_WITHOUT_RETRY_CACHE,
        /** (d) Activate sets {@code active} before adding the cache to {@code gpc_list} (R1). */
        ACTIVE_BEFORE_LIST
    }

    private final Variant variant;
    private final Object mnInvalidateLock = new Object();
    private final Object gpcLock = new Object();
    private final Object lock = new Object();
    private volatile int activeInvalidateCount;
    private volatile long mmuInvalidateSeq;
    private volatile int pte;
    /** Guarded by gpcLock. */
    private boolean listed;
    /** Guarded by lock. */
    private boolean active;
    /** Guarded by lock. */
    private boolean valid;
    /** Guarded by lock; -1 when none. */
    private int pfn = -1;

    private NotifierModel(Variant variant, boolean activeAndListed) {
        this.variant = variant;
        this.listed = activeAndListed;
        this.active = activeAndListed;
    }

    /** An active, listed cache whose mapping an earlier invalidation cleared: the next refresh must resolve. */
    public static NotifierModel activeInvalid(Variant variant) {
        return new NotifierModel(variant, true);
    }

    /** A cache that was never activated. */
    public static NotifierModel inactive(Variant variant) {
        return new NotifierModel(variant, false);
    }

    public Variant variant() {
        return variant;
    }

    /** kvm_gpc_activate (R1): list and activate, in the variant's order, then refresh. */
    public void activate() {
        if (variant == Variant.ACTIVE_BEFORE_LIST) {
            setActive();
            addToList();
        } else {
            // R1: listed first, so a refresh can only map a page that invalidations can already reach.
            addToList();
            setActive();
        }
        refresh();
    }

    /**
     * kvm_gpc_refresh (R4, R5). False when the cache is not active (EINVAL). A valid cache is left
     * alone (the hva did not change); otherwise resolve the pte with the write side dropped and
     * publish only if no invalidation ran or is running since the sequence snapshot.
     */
    public boolean refresh() {
        long seq;
        synchronized (lock) {
            if (!active) {
                return false;
            }
            if (valid) {
                return true;
            }
            seq = mmuInvalidateSeq;
        }
        for (;;) {
            int resolved = pte;
            synchronized (lock) {
                if (variant == Variant.REFRESH_WITHOUT_RETRY_CACHE || !mmuNotifierRetryCache(seq)) {
                    pfn = resolved;
                    valid = true;
                    return true;
                }
                seq = mmuInvalidateSeq;
            }
        }
    }

    /** R5: count first, then the sequence (the pair of R9's sequence-then-count). */
    private boolean mmuNotifierRetryCache(long seq) {
        return activeInvalidateCount != 0 || mmuInvalidateSeq != seq;
    }

    /** A migration of the page, bracketed by invalidate_range_start/end (R8, R9). */
    public void migrate() {
        synchronized (mnInvalidateLock) {
            activeInvalidateCount = activeInvalidateCount + 1;
        }
        synchronized (gpcLock) {
            if (listed) {
                synchronized (lock) {
                    valid = false;
                }
            }
        }
        pte = pte + 1;
        synchronized (mnInvalidateLock) {
            mmuInvalidateSeq = mmuInvalidateSeq + 1;
            activeInvalidateCount = activeInvalidateCount - 1;
        }
    }

    /** I4 violated: the cache is valid but maps a pfn the page has left (a freed page). */
    public boolean lostInvalidation() {
        int current = pte;
        synchronized (lock) {
            return valid && pfn != current;
        }
    }

    private void setActive() {
        synchronized (lock) {
            active = true;
        }
    }

    private void addToList() {
        synchronized (gpcLock) {
            listed = true;
        }
    }
}
