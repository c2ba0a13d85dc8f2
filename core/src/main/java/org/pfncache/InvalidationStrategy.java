package org.pfncache;

import java.util.function.Supplier;
import org.pfncache.guard.Guard;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.strategy.RwLockStrategy;

/**
 * What protects a cache's mapping against invalidation: the kind of {@code gpc->lock}. This is
 * the whole SPI: a strategy of your own implements this interface and its nested {@link CacheLock}
 * (and, if its readers outlive the write side, a Vm-wide {@link Drain}), then runs the strategy
 * contract kit. docs/strategies.md is the one page to read first.
 *
 * <p>Who calls what. {@link PfnCache} runs the kernel's protocol and calls the lock; it never
 * looks inside. Readers (R7) bracket check() and the access with {@link CacheLock#readLock} /
 * {@link CacheLock#readUnlock}. Refresh and deactivate (R4-R6) change the cache's state with
 * {@link CacheLock#writeLock} held. The Vm's {@code gfn_to_pfn_cache_invalidate_start} (R8)
 * walks every active cache: {@link CacheLock#walkReadLock} to test it, and only if it matched
 * {@link CacheLock#invalidateWriteLock} to test again and clear valid. A lock that answers false
 * in a non-blockable range makes the notifier fail with -EAGAIN (R10), which the kernel reports
 * as a WARN since KVM's notifier has an end callback.
 */
public interface InvalidationStrategy {

    /** Whether invalidation may sleep, under PREEMPT_RT. */
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
        /** Answers -EAGAIN: the notifier core WARNs (KVM has an end callback) and the reaper skips the range (R10). */
        RETRY,
        /** Sleeps in the non_block section: the guard reports it (under PREEMPT_RT). */
        BUG
    }

    /** The kernel's rwlock_t protection (readers hold the read side, invalidation takes the write side). */
    static InvalidationStrategy rwlock() {
        return RwLockStrategy.RWLOCK;
    }

    /** The smallest fix: as {@link #rwlock()}, but a non-blockable invalidation only try-locks and answers -EAGAIN. */
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

    /** One line on what the read path costs (with the reader flavour that runs, for the built-ins). */
    String readPathCost();

    /**
     * How this strategy's readers order their publication before what they read: a full fence
     * each ({@link org.pfncache.sync.AsymmetricFence.ReaderFlavour#FENCED}) or a compiler barrier
     * paired with membarrier(2) on the update side
     * ({@link org.pfncache.sync.AsymmetricFence.ReaderFlavour#ASYMMETRIC}, Java 22+ on Linux with
     * native access). The built-ins answer the process-wide choice of
     * {@link org.pfncache.sync.AsymmetricFence#get()}; a strategy that does not say answers empty.
     */
    default java.util.Optional<org.pfncache.sync.AsymmetricFence.ReaderFlavour> readerFlavour() {
        return java.util.Optional.empty();
    }

    /** The cache's {@code gpc->lock}; called once per {@link PfnCache} ({@code kvm_gpc_init}). */
    CacheLock newCacheLock(Context context);

    /**
     * One cache's {@code gpc->lock}. Readers and writers follow PfnCache's protocol (see its class
     * comment); the lock decides only what excludes whom and what may sleep.
     */
    interface CacheLock {
        /** Enters the read section; returns a token for {@link #readValidate} and {@link #readUnlock}. */
        long readLock();

        /** False when an optimistic section raced a writer: whatever it read must be discarded. */
        default boolean readValidate(long token) {
            return true;
        }

        void readUnlock(long token);

        /** Takes the write side (refresh, deactivate). Held only for short, non-sleeping stretches. */
        void writeLock();

        void writeUnlock();

        /**
         * {@code read_lock(&gpc->lock)} in the invalidation walk (R8), taken for every active
         * cache, in range or not, with {@code gpc_lock} held. False: it cannot be taken without
         * waiting in a non-blockable range, so the notifier answers -EAGAIN (R10).
         *
         * <p>Whatever it takes must exclude the write side's critical sections: refresh checks
         * {@code mn_active_invalidate_count} with the write side held, and the walk takes this
         * after raising the count, so the lock is what orders the two (PfnCache's class comment).
         * A walk that tested lock-free could pass a refresh between its page fault and its check
         * and let it publish a page the invalidation is about to free. The default takes the
         * write side.
         */
        default boolean walkReadLock(MmuNotifierRange range) {
            writeLock();
            return true;
        }

        /** Releases what {@link #walkReadLock} took. */
        default void walkReadUnlock() {
            writeUnlock();
        }

        /**
         * {@code write_lock(&gpc->lock)} in the walk, for a cache whose test matched: held while
         * valid is tested again and cleared. False: as for {@link #walkReadLock}. The default is
         * {@link #writeLock}.
         */
        default boolean invalidateWriteLock(MmuNotifierRange range) {
            writeLock();
            return true;
        }

        default void invalidateWriteUnlock() {
            writeUnlock();
        }

        /**
         * Called with the write side held whenever the cache stops publishing a valid mapping of
         * the page at {@code uhva} (invalidation, refresh, deactivation). A strategy whose readers
         * are not excluded by the write side records here that readers may still hold that page,
         * for its {@link Drain}. Must not sleep.
         */
        default void unpublished(long uhva) {
        }

        /**
         * Disposes of an old mapping (of the page at {@code uhva}) that is no longer published (R4,
         * R6): runs {@code unmap} now if no reader can still hold it, or once readers are gone.
         */
        void retire(long uhva, Runnable unmap);

        /**
         * {@link #writeLock} for {@link Vm#close()}, which must finish in bounded time: gives up
         * after {@code timeoutNanos} (false, nothing held). A lock whose write side waits for
         * readers should then report who keeps it ({@link Guard#readerStall}, gave up, with
         * {@code leakDetail}, what the Vm leaks as a result). The default takes
         * {@link #writeLock}, right for a write side that never waits for readers.
         */
        default boolean closeWriteLock(long timeoutNanos, String leakDetail) {
            writeLock();
            return true;
        }

        /**
         * Releases the lock's resources; {@link Vm#close()} calls it for each cache it deactivated
         * (the caches active at close). The Vm keeps no reference to a cache deactivated before,
         * so such a cache's lock is never closed: a lock that needs closing must not rely on it.
         */
        default void close() {
        }
    }

    /**
     * A shared resource ({@link Context#shared}) whose close waits for readers (SRCU's barrier):
     * {@link Vm#close()} calls {@link #close(java.time.Duration)} with what is left of its
     * reader-stall budget instead of {@link AutoCloseable#close()}. False: it gave up and leaked
     * what readers still pin, and reported that itself through the guard.
     */
    interface BoundedClose {
        boolean close(java.time.Duration timeout);
    }

    /**
     * A Vm-wide part of a strategy that drains readers which the write side does not exclude. A
     * resource made through {@link Context#shared} that implements it takes part in every
     * {@code invalidate_range_start}: the Vm calls {@link #drain} after the walk, with
     * {@code gpc_lock} dropped, so it may sleep when the range is blockable. SRCU waits for (or,
     * non-blockable, polls) the grace period that drains readers of the pages in the range.
     */
    interface Drain {
        /** True when no reader can use a page in {@code range} any more; false (-EAGAIN) only if non-blockable. */
        boolean drain(MmuNotifierRange range);

        /** Grace periods this drain has seen complete, for {@link Vm#stats()}; 0 if it has none. */
        default long gracePeriods() {
            return 0;
        }
    }

    /** What a strategy's lock may use from its Vm. */
    interface Context {
        /** The Vm's guard domain: give it to every lock the strategy makes. */
        Guard guard();

        /** A name for the cache, for lock names and diagnostics. */
        String cacheName();

        /**
         * A resource shared by every cache of the Vm (e.g. {@code kvm->srcu}), made on first use;
         * the Vm closes it on close if it is {@link AutoCloseable}, and runs it on every
         * invalidation if it is a {@link Drain}.
         */
        <T> T shared(Class<T> type, Supplier<T> factory);

        /**
         * How long a non-blockable invalidation may poll for readers before it answers -EAGAIN
         * ({@link Vm.Builder#nonBlockPollBudget}).
         */
        java.time.Duration nonBlockPollBudget();
    }
}
