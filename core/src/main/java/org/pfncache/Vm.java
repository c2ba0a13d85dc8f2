package org.pfncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.GuardReport;
import org.pfncache.host.HostMm;
import org.pfncache.host.MmuNotifier;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.host.PhysicalMemory;
import org.pfncache.sync.KernelLock;

/**
 * {@code struct kvm}: memslots, the host mm, the MMU-notifier bookkeeping and the list of active
 * caches (semantics.md sections 1 and 3).
 *
 * <p>Notifier protocol. {@code invalidate_range_start} (R8) takes {@code mn_invalidate_lock} to
 * raise {@code mn_active_invalidate_count}, then, under {@code gpc_lock}, asks each cache whose
 * hva may lie in the range to revoke its mapping through its strategy; revocations that must wait
 * for readers finish after gpc_lock is dropped. If any cache answers RETRY (non-blockable range,
 * R10) the count is lowered again and the notifier fails: the mm gives it no end call.
 * {@code invalidate_range_end} (R9) bumps {@code mmu_invalidate_seq} and then lowers the count
 * with a release store, so a refresh that sees the lower count also sees the new sequence.
 */
public final class Vm implements AutoCloseable {
    private static final VarHandle COUNT;
    private static final VarHandle SEQ;
    private static final AtomicInteger VM_IDS = new AtomicInteger();

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(Vm.class, "mnActiveInvalidateCount", int.class);
            SEQ = l.findVarHandle(Vm.class, "mmuInvalidateSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id = VM_IDS.incrementAndGet();
    private final Guard guard;
    private final InvalidationStrategy defaultStrategy;
    private final LockKind notifierLockKind;
    private final PhysicalMemory memory;
    private final HostMm mm;
    private final Memslots memslots = new Memslots();
    private final KernelLock mnInvalidateLock;
    private final KernelLock gpcLock;
    /** gpc_list; guarded by gpcLock. */
    private final java.util.Set<PfnCache> gpcList = new java.util.LinkedHashSet<>();
    /**
     * uhva page -> caches that may publish a mapping of that page; guarded by gpcLock. Where the
     * kernel walks gpc_list, invalidation looks up only the pages of its range (O(log n + k)).
     */
    private final java.util.TreeMap<Long, PfnCache[]> uhvaIndex = new java.util.TreeMap<>();
    private final Map<Class<?>, Object> shared = new LinkedHashMap<>();
    /** Copy-on-write snapshot of the shared resources that take part in invalidation. */
    private volatile InvalidationParticipant[] participants = new InvalidationParticipant[0];
    private final List<PfnCache> caches = new ArrayList<>();
    private final Notifier notifier = new Notifier();
    private final AtomicInteger cacheIds = new AtomicInteger();
    /** Written under mn_invalidate_lock; read lock-free by refresh (see the accessors). */
    @SuppressWarnings("unused")
    private volatile int mnActiveInvalidateCount;
    /** Written under mn_invalidate_lock; read lock-free by refresh. */
    @SuppressWarnings("unused")
    private volatile long mmuInvalidateSeq;
    private volatile boolean closed;

    private Vm(Builder b) {
        this.guard = Guard.create(b.preemption, b.guardPolicy, b.guardListener, b.guardLogging);
        this.defaultStrategy = b.strategy;
        this.notifierLockKind = b.notifierLock;
        this.memory = new PhysicalMemory(b.physicalPages);
        this.mm = new HostMm(memory, guard);
        this.mnInvalidateLock = KernelLock.of(b.notifierLock, "mn_invalidate_lock", guard);
        this.gpcLock = KernelLock.of(b.notifierLock, "gpc_lock", guard);
        mm.register(notifier);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Memslots memslots() {
        return memslots;
    }

    /** The VMM's address space. */
    public HostMm mm() {
        return mm;
    }

    /** The simulated physical memory behind the mm. */
    public PhysicalMemory memory() {
        return memory;
    }

    /** The guard domain of this Vm: preemption model, policy, reports. */
    public Guard guard() {
        return guard;
    }

    /** The first guard reports made in this Vm's domain, oldest first (see {@link Guard#reports()}). */
    public List<GuardReport> guardReports() {
        return guard.reports();
    }

    public PreemptionModel preemption() {
        return guard.preemption();
    }

    public LockKind notifierLockKind() {
        return notifierLockKind;
    }

    public InvalidationStrategy defaultStrategy() {
        return defaultStrategy;
    }

    /** kvm_gpc_init with the Vm's default strategy. */
    public PfnCache newCache() {
        return newCache(defaultStrategy);
    }

    /** kvm_gpc_init with a chosen strategy. */
    public PfnCache newCache(InvalidationStrategy strategy) {
        Objects.requireNonNull(strategy, "strategy");
        ensureOpen();
        String name = "gpc" + id + "." + cacheIds.incrementAndGet();
        CacheProtection protection = strategy.newProtection(new Context(name));
        if (protection == null) {
            throw new IllegalStateException("strategy " + strategy.name() + " returned no protection");
        }
        PfnCache cache = new PfnCache(this, name, strategy, protection);
        synchronized (caches) {
            ensureOpen();
            caches.add(cache);
        }
        return cache;
    }

    /** kvm->mmu_invalidate_seq. */
    public long mmuInvalidateSeq() {
        return (long) SEQ.getOpaque(this);
    }

    /** kvm->mn_active_invalidate_count. */
    public int activeInvalidateCount() {
        return (int) COUNT.getOpaque(this);
    }

    /** Number of caches on gpc_list. */
    public int activeCaches() {
        gpcLock.lock("Vm.activeCaches");
        try {
            return gpcList.size();
        } finally {
            gpcLock.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Deactivates every cache, waits for deferred unmaps, closes shared resources, leaves the mm. */
    @Override
    public void close() {
        List<PfnCache> all;
        synchronized (caches) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(caches);
        }
        RuntimeException failure = null;
        for (PfnCache c : all) {
            try {
                c.deactivate();
            } catch (RuntimeException e) {
                failure = addFailure(failure, e);
            }
        }
        for (PfnCache c : all) {
            try {
                c.protection.close();
            } catch (RuntimeException e) {
                failure = addFailure(failure, e);
            }
        }
        List<Object> resources;
        synchronized (shared) {
            resources = new ArrayList<>(shared.values());
        }
        for (Object r : resources) {
            if (r instanceof AutoCloseable ac) {
                try {
                    ac.close();
                } catch (Exception e) {
                    failure = addFailure(failure, new IllegalStateException("closing " + r + " failed", e));
                }
            }
        }
        mm.unregister(notifier);
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException addFailure(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }


    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Vm " + id + " is closed");
        }
    }

    // ---- gpc_list (R1, R6) ----

    void addToList(PfnCache c) {
        gpcLock.lock("kvm_gpc_activate");
        try {
            if (!c.listed) {
                c.listed = true;
                gpcList.add(c);
            }
        } finally {
            gpcLock.unlock();
        }
    }

    void removeFromList(PfnCache c) {
        gpcLock.lock("kvm_gpc_deactivate");
        try {
            if (c.listed) {
                c.listed = false;
                gpcList.remove(c);
            }
            indexDrop(c, c.indexedPage);
            indexDrop(c, c.indexedPage2);
            c.indexedPage = PfnCache.BAD_HVA;
            c.indexedPage2 = PfnCache.BAD_HVA;
        } finally {
            gpcLock.unlock();
        }
    }

    /** Makes invalidations of {@code page} reach {@code c} (which keeps any page it had). */
    void indexAdd(PfnCache c, long page) {
        gpcLock.lock("kvm_gpc_refresh");
        try {
            if (!c.listed || c.indexedPage == page || c.indexedPage2 == page) {
                return;
            }
            if (c.indexedPage == PfnCache.BAD_HVA) {
                c.indexedPage = page;
            } else if (c.indexedPage2 == PfnCache.BAD_HVA) {
                c.indexedPage2 = page;
            } else {
                throw new IllegalStateException("cache " + c.name() + " already indexed under two pages");
            }
            PfnCache[] at = uhvaIndex.get(page);
            if (at == null) {
                uhvaIndex.put(page, new PfnCache[] {c});
            } else {
                PfnCache[] next = java.util.Arrays.copyOf(at, at.length + 1);
                next[at.length] = c;
                uhvaIndex.put(page, next);
            }
        } finally {
            gpcLock.unlock();
        }
    }

    /** Keeps {@code c} indexed only under {@code page} (BAD_HVA: under none). */
    void indexRetain(PfnCache c, long page) {
        gpcLock.lock("kvm_gpc_refresh");
        try {
            if (c.indexedPage != page) {
                indexDrop(c, c.indexedPage);
                c.indexedPage = PfnCache.BAD_HVA;
            }
            if (c.indexedPage2 != page) {
                indexDrop(c, c.indexedPage2);
                c.indexedPage2 = PfnCache.BAD_HVA;
            }
            if (c.indexedPage == PfnCache.BAD_HVA && c.indexedPage2 != PfnCache.BAD_HVA) {
                c.indexedPage = c.indexedPage2;
                c.indexedPage2 = PfnCache.BAD_HVA;
            }
        } finally {
            gpcLock.unlock();
        }
    }

    /** With gpcLock held. */
    private void indexDrop(PfnCache c, long page) {
        if (page == PfnCache.BAD_HVA) {
            return;
        }
        PfnCache[] at = uhvaIndex.get(page);
        if (at == null) {
            return;
        }
        int i = 0;
        while (i < at.length && at[i] != c) {
            i++;
        }
        if (i == at.length) {
            return;
        }
        if (at.length == 1) {
            uhvaIndex.remove(page);
            return;
        }
        PfnCache[] next = new PfnCache[at.length - 1];
        System.arraycopy(at, 0, next, 0, i);
        System.arraycopy(at, i + 1, next, i, at.length - i - 1);
        uhvaIndex.put(page, next);
    }

    // ---- mmu_notifier_retry_cache (R5) ----

    /** Acquire: the refresh's page-table walk cannot be satisfied before this load (smp_rmb, R5). */
    long lvMmuInvalidateSeq() {
        return (long) SEQ.getAcquire(this);
    }

    /**
     * mmu_notifier_retry_cache (R5): true while an invalidation runs or after one completed since
     * {@code mmuSeq} was read. Called with the cache's write side held.
     */
    boolean mmuNotifierRetryCache(long mmuSeq) {
        // Full fence: the new uhva this refresh published must be visible before the count is read;
        // pairs with the fence in invalidateRangeStart after the count increment (store-buffering:
        // either the invalidation sees the new uhva or this refresh sees the count, R5/R8).
        VarHandle.fullFence();
        // Count first, with acquire (the smp_rmb()), then the sequence: pairs with the release
        // decrement in invalidateRangeEnd, which follows the sequence increment (R9).
        if ((int) COUNT.getAcquire(this) != 0) {
            return true;
        }
        return (long) SEQ.getOpaque(this) != mmuSeq;
    }

    // ---- the MMU notifier (R8-R10) ----

    private boolean invalidateRangeStart(MmuNotifierRange range) {
        ContextGuard.enterOperation(guard);
        try {
            mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_start");
            try {
                // Plain-ordered increment under the lock; published by the fence below and the unlock.
                COUNT.setOpaque(this, (int) COUNT.getOpaque(this) + 1);
            } finally {
                mnInvalidateLock.unlock();
            }
            // Full fence: pairs with the one in mmuNotifierRetryCache (store-buffering, R5/R8).
            VarHandle.fullFence();
            boolean ok = false;
            try {
                ok = invalidateCaches(range);
            } finally {
                if (!ok) {
                    // R10: a failed start gets no end call, so undo our own start bookkeeping.
                    lowerCount();
                }
            }
            return ok;
        } finally {
            ContextGuard.exitOperation();
        }
    }

    /** gfn_to_pfn_cache_invalidate_start; true unless some cache or participant answered RETRY. */
    private boolean invalidateCaches(MmuNotifierRange range) {
        boolean retry = false;
        gpcLock.lock("gfn_to_pfn_cache_invalidate_start");
        try {
            long first = range.start() & ~(long) (PfnCache.PAGE_SIZE - 1);
            for (PfnCache[] at : uhvaIndex.subMap(first, true, range.end(), false).values()) {
                for (PfnCache c : at) {
                    if (c.target.mayCover(range.start(), range.end())
                            && c.revoke(range) == CacheProtection.Revocation.RETRY) {
                        retry = true;
                    }
                }
            }
        } finally {
            gpcLock.unlock();
        }
        // Strategy-wide waits (grace periods) run with gpc_lock dropped: they may sleep.
        for (InvalidationParticipant p : participants()) {
            if (p.settle(range) == CacheProtection.Revocation.RETRY) {
                retry = true;
            }
        }
        if (retry && range.blockable()) {
            throw new IllegalStateException("a strategy answered RETRY to a blockable invalidation of " + range);
        }
        return !retry;
    }

    private InvalidationParticipant[] participants() {
        return participants;
    }

    private void invalidateRangeEnd(MmuNotifierRange range) {
        ContextGuard.enterOperation(guard);
        try {
            mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_end");
            try {
                // R9: the sequence first ...
                SEQ.setOpaque(this, (long) SEQ.getOpaque(this) + 1);
                int c = (int) COUNT.getOpaque(this);
                if (c == 0) {
                    throw new IllegalStateException("invalidate_range_end without a matching start");
                }
                // ... then the count, with release (the smp_wmb()): pairs with the acquire load of
                // the count in mmuNotifierRetryCache.
                COUNT.setRelease(this, c - 1);
            } finally {
                mnInvalidateLock.unlock();
            }
        } finally {
            ContextGuard.exitOperation();
        }
    }

    private void lowerCount() {
        mnInvalidateLock.lock("kvm_mmu_notifier_invalidate_range_start");
        try {
            // Release, as in invalidateRangeEnd; the sequence is unchanged since nothing was unmapped.
            COUNT.setRelease(this, (int) COUNT.getOpaque(this) - 1);
        } finally {
            mnInvalidateLock.unlock();
        }
    }

    private final class Notifier implements MmuNotifier {
        @Override
        public boolean invalidateRangeStart(MmuNotifierRange range) {
            return Vm.this.invalidateRangeStart(range);
        }

        @Override
        public void invalidateRangeEnd(MmuNotifierRange range) {
            Vm.this.invalidateRangeEnd(range);
        }

        @Override
        public String toString() {
            return "kvm_mmu_notifier(vm " + id + ")";
        }
    }

    private final class Context implements ProtectionContext {
        private final String cacheName;

        Context(String cacheName) {
            this.cacheName = cacheName;
        }

        @Override
        public Guard guard() {
            return guard;
        }

        @Override
        public String cacheName() {
            return cacheName;
        }

        @Override
        public <T> T shared(Class<T> type, Supplier<T> factory) {
            synchronized (shared) {
                Object o = shared.get(type);
                if (o == null) {
                    o = Objects.requireNonNull(factory.get(), "shared resource factory returned null");
                    shared.put(type, o);
                    if (o instanceof InvalidationParticipant p) {
                        InvalidationParticipant[] next = java.util.Arrays.copyOf(participants, participants.length + 1);
                        next[next.length - 1] = p;
                        participants = next;
                    }
                }
                return type.cast(o);
            }
        }
    }

    /** Builds a {@link Vm}. */
    public static final class Builder {
        private InvalidationStrategy strategy = InvalidationStrategy.rwlock();
        private PreemptionModel preemption = PreemptionModel.NONE;
        private LockKind notifierLock = LockKind.SPINLOCK;
        private GuardPolicy guardPolicy = GuardPolicy.THROW;
        private Consumer<GuardReport> guardListener;
        private boolean guardLogging = true;
        private int physicalPages = 16384;

        private Builder() {
        }

        public Builder strategy(InvalidationStrategy s) {
            this.strategy = Objects.requireNonNull(s, "strategy");
            return this;
        }

        public Builder preemption(PreemptionModel m) {
            this.preemption = Objects.requireNonNull(m, "preemption");
            return this;
        }

        public Builder notifierLock(LockKind k) {
            this.notifierLock = Objects.requireNonNull(k, "notifierLock");
            return this;
        }

        public Builder guardPolicy(GuardPolicy p) {
            this.guardPolicy = Objects.requireNonNull(p, "guardPolicy");
            return this;
        }

        public Builder guardListener(Consumer<GuardReport> l) {
            this.guardListener = l;
            return this;
        }

        /** Whether REPORT logs the (first few) splats; default true. */
        public Builder guardLogging(boolean log) {
            this.guardLogging = log;
            return this;
        }

        public Builder physicalPages(int pages) {
            if (pages <= 0) {
                throw new IllegalArgumentException("physicalPages must be > 0, got " + pages);
            }
            this.physicalPages = pages;
            return this;
        }

        public Vm build() {
            return new Vm(this);
        }
    }
}
