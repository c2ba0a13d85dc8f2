package org.pfncache.stress.invalidation;

import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;

/**
 * What the I4 tests share: a Vm, a cache on page 0, the host migrating that page, and the final
 * audit. A lost invalidation shows in two ways: the cache is valid on a pfn the page has left,
 * or (since freed pfns are reused at once, so pfns can coincide) a read through the cache's
 * khva lands in a freed page, which the simulated memory counts as a stale access.
 */
abstract class InvalidationScenario {
    final Vm vm;
    final PfnCache cache;

    InvalidationScenario(InvalidationStrategy strategy) {
        vm = TinyVm.build(strategy);
        cache = vm.newCache();
    }

    /** The host moves the page: a blockable invalidation, the copy, the old page freed, the end. */
    void migrate() {
        vm.mm().migrate(TinyVm.hva(0));
    }

    /**
     * A read section with no refresh: 0 check() failed; 1 check() passed on the pfn the page has
     * now; 2 check() passed on a pfn the page has left (the caller decides whether that is a bug).
     * A passed check also reads through khva, so a stale mapping counts a stale access.
     */
    int checkOnce() {
        try (PfnCache.Section s = cache.enter()) {
            if (!s.check(Long.BYTES)) {
                return 0;
            }
            s.khva().getLong(0);
            return cache.pfn() == vm.mm().pfn(TinyVm.hva(0)) ? 1 : 2;
        }
    }

    /**
     * After both actors: 1 if the cache is left valid on a freed page (by pfn, or by a stale
     * access of a final read through it, or of any earlier read), else 0.
     */
    int lostInvalidation() {
        boolean stalePfn = checkOnce() == 2;
        return stalePfn || vm.memory().staleAccesses() != 0 ? 1 : 0;
    }
}
