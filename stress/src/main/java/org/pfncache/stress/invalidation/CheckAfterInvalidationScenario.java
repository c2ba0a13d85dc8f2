package org.pfncache.stress.invalidation;

import org.pfncache.InvalidationStrategy;
import org.pfncache.stress.TinyVm;

/**
 * I4, check after a completed invalidation: once invalidate_range_end has returned, no check()
 * succeeds with the pfn the invalidation covered until a later refresh.
 *
 * <p>The cache starts invalidated (activated, then an earlier migration cleared it, keeping the
 * old mapping). One actor refreshes it (R5's retry loop, racing the migration); the other
 * migrates the page again and, right after the migration returns, enters a read section and
 * checks. That check may pass only on the page's new pfn (the refresh ran after the invalidation
 * and published the new page); passing on the old pfn is a lost invalidation.
 *
 * <p>Outcomes (checker, lost): checker 0 check() failed, 1 passed on the current pfn, 2 passed on
 * a freed pfn (forbidden); lost as {@link InvalidationScenario#lostInvalidation()} (1 forbidden).
 * The refresh retires the old mapping, so the arbiter closes the Vm (joining the SRCU reclaimer).
 */
public abstract class CheckAfterInvalidationScenario extends InvalidationScenario {
    protected CheckAfterInvalidationScenario(InvalidationStrategy strategy) {
        super(strategy);
        cache.activate(TinyVm.gpa(0), Long.BYTES);
        migrate();
    }

    protected void refresh() {
        cache.refresh(Long.BYTES);
    }

    protected int migrateThenCheck() {
        migrate();
        return checkOnce();
    }

    protected int auditAndClose() {
        int lost = lostInvalidation();
        vm.close();
        return lost;
    }
}
