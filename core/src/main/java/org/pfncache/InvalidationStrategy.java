package org.pfncache;

import org.pfncache.strategy.RwLockStrategy;

/**
 * What protects a cache's mapping against invalidation: the read section, the write side used by
 * refresh and deactivate, and what an MMU-notifier invalidation does (semantics.md section 5).
 * This is a public SPI: a user's own strategy implements it and runs the strategy contract kit.
 */
public interface InvalidationStrategy {

    /** Whether invalidation may sleep. */
    enum MaySleep {
        /** Sleeps in every invalidation, non-blockable ones included (a bug in a non_block section). */
        ALWAYS,
        /** Sleeps only in blockable invalidations; non-blockable ones never sleep. */
        BLOCKABLE_ONLY,
        /** Never sleeps. */
        NEVER
    }

    /** What a non-blockable invalidation (the OOM reaper) gets when readers are inside. */
    enum NonBlockOutcome {
        /** Completes without waiting. */
        DONE,
        /** Returns -EAGAIN; the reaper skips the range and retries later (R10). */
        RETRY,
        /** Sleeps in the non_block section: the guard reports it (under PREEMPT_RT). */
        BUG
    }

    /** The kernel's rwlock_t protection (readers hold the read side, invalidation takes the write side). */
    static InvalidationStrategy rwlock() {
        return RwLockStrategy.RWLOCK;
    }

    /** The smallest fix: as {@link #rwlock()}, but a non-blockable invalidation only try-locks and returns RETRY. */
    static InvalidationStrategy rwlockTry() {
        return RwLockStrategy.RWLOCK_TRY;
    }

    /** SRCU epochs: readers never block writers; invalidation waits for a grace period (polls when non-blockable). */
    static InvalidationStrategy srcu() {
        return org.pfncache.strategy.SrcuStrategy.INSTANCE;
    }

    /** The seed thread's proposal: fields validated by a seqcount, SRCU only at unmap; invalidation never drains. */
    static InvalidationStrategy seqcount() {
        return org.pfncache.strategy.SeqCountStrategy.INSTANCE;
    }

    /** The built-ins, in the order the matrix shows them. */
    static java.util.List<InvalidationStrategy> builtIns() {
        return java.util.List.of(rwlock(), rwlockTry(), srcu(), seqcount());
    }

    /** The built-in with this name (case-insensitive), e.g. "rwlock", "rwlock-try", "srcu", "seqcount". */
    static InvalidationStrategy byName(String name) {
        for (InvalidationStrategy s : builtIns()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + name + "'; known: rwlock, rwlock-try, srcu, seqcount");
    }

    String name();

    /** Whether a successful invalidation has waited for every reader of the old mapping (I3). */
    boolean drainsReaders();

    /** Whether invalidation may sleep, under PREEMPT_RT. */
    MaySleep maySleepInInvalidation();

    /** What a non-blockable invalidation gets while a reader is inside, under PREEMPT_RT. */
    NonBlockOutcome nonBlockableOutcome();

    /** One line on what the read path costs. */
    String readPathCost();

    /** The per-cache protection; called once per {@link PfnCache}. */
    CacheProtection newProtection(ProtectionContext context);
}
