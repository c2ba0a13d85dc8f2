package org.pfncache.strategy;

import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;

/** SEQCOUNT, the seed thread's proposal (semantics.md section 5). */
public final class SeqCountStrategy implements InvalidationStrategy {
    public static final SeqCountStrategy INSTANCE = new SeqCountStrategy();

    private SeqCountStrategy() {
    }

    @Override
    public String name() {
        return "seqcount";
    }

    @Override
    public boolean drainsReaders() {
        return false;
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return MaySleep.NEVER;
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return NonBlockOutcome.DONE;
    }

    @Override
    public String readPathCost() {
        return "read_seqcount_begin/retry: two loads, no store";
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        throw new UnsupportedOperationException("the SEQCOUNT strategy is not implemented yet");
    }
}
