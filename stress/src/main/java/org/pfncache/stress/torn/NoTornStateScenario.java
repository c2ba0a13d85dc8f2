package org.pfncache.stress.torn;

import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/**
 * I1, no torn state: a reader that passes check() sees the gpa, uhva, pfn and khva of one refresh.
 *
 * <p>The cache starts on page 0 at offset {@link #OLD_OFFSET}; the writer re-activates it on page
 * 1 at {@link #NEW_OFFSET} (R1 on an active cache: one refresh that re-resolves everything and
 * maps the new page). Page 0 holds {@link #OLD_SIGNATURE} at the old offset and page 1 holds
 * {@link #NEW_SIGNATURE} at the new one; every other word is zero. A reader that passed check()
 * loads the word at khva offset 0: the old mapping with the old offset reads the old signature,
 * the new with the new reads the new one, and any mix of one refresh's mapping with another's
 * offset reads zero.
 *
 * <p>Reader outcome: 0 check() failed (the refresh is between its invalidate and its publish), 1
 * old state, 2 new state, 3 torn (forbidden), 4 discarded (an optimistic SEQCOUNT section raced
 * the writer and validate() said to drop what it read). The arbiter closes the Vm (the move
 * retired the old mapping; SRCU and SEQCOUNT unmap it from their reclaimer thread, which the
 * close joins) and reports whether any access hit a freed page.
 */
public abstract class NoTornStateScenario {
    static final int OLD_OFFSET = 0x100;
    static final int NEW_OFFSET = 0x208;
    static final long OLD_SIGNATURE = 0x01d0_0000_0000_0100L;
    static final long NEW_SIGNATURE = 0x0e30_0000_0001_0208L;

    private final Vm vm;
    private final PfnCache cache;

    protected NoTornStateScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        vm.mm().writeLong(TinyVm.hva(0) + OLD_OFFSET, OLD_SIGNATURE);
        vm.mm().writeLong(TinyVm.hva(1) + NEW_OFFSET, NEW_SIGNATURE);
        cache = vm.newCache();
        cache.activate(TinyVm.gpa(0) + OLD_OFFSET, Long.BYTES);
    }

    /** R1 on the active cache: a new gpa, so one refresh publishes a new uhva, pfn and khva. */
    protected void move() {
        cache.activate(TinyVm.gpa(1) + NEW_OFFSET, Long.BYTES);
    }

    protected int read() {
        try (PfnCache.Section s = cache.enter()) {
            if (!s.check(Long.BYTES)) {
                return 0;
            }
            long v = s.khva().getLong(0);
            if (!s.validate()) {
                return 4;
            }
            return v == OLD_SIGNATURE ? 1 : v == NEW_SIGNATURE ? 2 : 3;
        }
    }

    /** Closes the Vm, then 1 if any access went through a mapping of a freed page. */
    protected int closeAndAudit() {
        vm.close();
        return vm.memory().staleAccesses() == 0 ? 0 : 1;
    }
}
