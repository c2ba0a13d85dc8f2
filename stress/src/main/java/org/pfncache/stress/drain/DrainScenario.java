package org.pfncache.stress.drain;

import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/**
 * I3, drain: once invalidate_range_start has returned, no reader touches the old page (R8).
 *
 * <p>The race: a reader enters its section, passes check() and uses the page ({@link #USES}
 * stores and loads through khva, a section that does some work); concurrently the host migrates
 * the page, whose invalidation must wait for that reader before the old page is freed. The
 * observed outcome is the simulated memory's own detector: every access through a mapping whose
 * page has since been freed counts as a stale access. The arbiter reports whether there was any.
 *
 * <p>Outcomes (reader, stale): {@code 0, 0} check() failed (the invalidation came first);
 * {@code 1, 0} the reader used the page and the invalidation waited for it (or came after);
 * {@code 1, 1} use after invalidate: forbidden for every strategy that claims drainsReaders(), and
 * the documented hazard of SEQCOUNT, whose invalidation never waits.
 *
 * <p>No mapping is retired by the actors (migration frees the page, not the kernel mapping), so
 * the Vm starts no thread and is left to the garbage collector.
 */
public abstract class DrainScenario {
    /** Words the reader stores and loads inside its section. */
    static final int USES = 16;

    private final Vm vm;
    private final PfnCache cache;

    protected DrainScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        cache = vm.newCache();
        cache.activate(TinyVm.gpa(0), USES * Long.BYTES);
    }

    /** R7 without the refresh: 1 if check() passed and the page was used, 0 if check() failed. */
    protected int read() {
        try (PfnCache.Section s = cache.enter()) {
            if (!s.check(USES * Long.BYTES)) {
                return 0;
            }
            Khva k = s.khva();
            for (int i = 0; i < USES; i++) {
                k.putLong(i * Long.BYTES, i);
                k.getLong(i * Long.BYTES);
            }
            return 1;
        }
    }

    /** The host moves the page: blockable invalidation, copy, the old page is freed, end. */
    protected void invalidate() {
        vm.mm().migrate(TinyVm.hva(0));
    }

    /** 1 if any access went through a mapping of a freed page. */
    protected int staleAccesses() {
        return vm.memory().staleAccesses() == 0 ? 0 : 1;
    }
}
