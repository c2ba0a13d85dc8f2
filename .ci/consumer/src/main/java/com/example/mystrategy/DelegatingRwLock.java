package com.example.mystrategy;

import org.pfncache.CacheProtection;
import org.pfncache.InvalidationStrategy;
import org.pfncache.ProtectionContext;

/** A user's own strategy: here it hands every decision to the built-in RWLOCK. */
public final class DelegatingRwLock implements InvalidationStrategy {
    private final InvalidationStrategy inner = InvalidationStrategy.rwlock();

    @Override
    public String name() {
        return "delegating-rwlock";
    }

    @Override
    public boolean drainsReaders() {
        return inner.drainsReaders();
    }

    @Override
    public MaySleep maySleepInInvalidation() {
        return inner.maySleepInInvalidation();
    }

    @Override
    public NonBlockOutcome nonBlockableOutcome() {
        return inner.nonBlockableOutcome();
    }

    @Override
    public String readPathCost() {
        return inner.readPathCost();
    }

    @Override
    public CacheProtection newProtection(ProtectionContext context) {
        return inner.newProtection(context);
    }
}
