package org.pfncache.strategy;

import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;

/** SRCU epochs (semantics.md section 5). */
public final class SrcuStrategy implements InvalidationStrategy {
    public static final SrcuStrategy INSTANCE = new SrcuStrategy();

    private SrcuStrategy() {
    }

    @Override
    public String name() {
        return "srcu";
    }

    @Override
    public boolean drainsReaders() {
        return true;
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return MaySleep.BLOCKABLE_ONLY;
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return NonBlockOutcome.RETRY;
    }

    @Override
    public String readPathCost() {
        return "srcu_read_lock/unlock: two atomic increments on the thread's own slot";
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        throw new UnsupportedOperationException("the SRCU strategy is not implemented yet");
    }
}
