package com.example.mystrategy;

import org.pfncache.InvalidationStrategy;

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
    public CacheLock newCacheLock(Context context) {
        return inner.newCacheLock(context);
    }
}
