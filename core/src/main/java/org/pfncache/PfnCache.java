package org.pfncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongBiFunction;
import java.util.function.ToLongFunction;
import org.pfncache.InvalidationStrategy.CacheLock;
import org.pfncache.guard.ContextGuard;
import org.pfncache.host.KernelMapping;
import org.pfncache.host.MmuNotifierRange;
import org.pfncache.jfr.RefreshEvent;
import org.pfncache.sync.Mutex;

/**
 * {@code struct gfn_to_pfn_cache}: a guest address translated to a host page and mapped for the
 * kernel, kept valid by MMU-notifier invalidation (docs/semantics.md, R1-R7).
 *
 * <p>Protocol overview. The cache's state is one immutable {@link CacheState} published through
 * {@link #state}; it changes only with the strategy's write side held and, for activation,
 * refresh and deactivation, with {@code refresh_lock} held too. Readers (R7) enter the strategy's
 * read section, load the state with acquire, run check() (R3) on it and use its khva. Refresh (R4,
 * R5) marks the state invalid, drops the write side to fault and map the page (both may sleep),
 * retakes it and publishes only if no invalidation ran or is running
 * ({@code mmu_notifier_retry_cache}). Old mappings are handed to the strategy's
 * {@link CacheLock#retire}, which unmaps them once no reader can hold them.
 *
 * <p>Invalidation ({@link #invalidateStart}, R8) runs inside the Vm's walk of gpc_list: the
 * strategy's walk lock to test, then its write side to test again and clear valid. Why a refresh
 * can never publish a mapping an invalidation covers (R5): the Vm raises
 * {@code mn_active_invalidate_count} before the walk takes this cache's lock, and refresh reads
 * the count with the write side held, so either the walk comes after the publish and clears it, or
 * the refresh comes after the walk and sees the count raised (or, once the invalidation ended,
 * {@code mmu_invalidate_seq} bumped: see Vm's class comment for the one case where it is not).
 */
public final class PfnCache {
    public static final int PAGE_SIZE = 4096;
    public static final long INVALID_GPA = -1L;
    /** KVM_HVA_ERR_BAD. */
    static final long BAD_HVA = -1L;
    /** The kernel file this class mirrors, the site of its WARNs and cond_resched. */
    private static final String PFNCACHE_C = "virt/kvm/pfncache.c";

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PfnCache.class, "state", CacheState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Vm vm;
    /** The Vm's memslots, held directly: check() (R3) reaches the generation in two loads. */
    private final Memslots memslots;
    private final String name;
    private final InvalidationStrategy strategy;
    private final CacheLock lock;
    private final Mutex refreshLock;
    /** Counters behind {@link #stats()}; the Vm's own are {@link Vm#counters()}. */
    private final Counters stats = new Counters();
    /** Whether check() results are counted ({@link Vm.Builder#statistics(boolean)}). */
    private final boolean countChecks;
    /** hva_to_pfn_retry rounds of the refresh in progress; guarded by refresh_lock. */
    private int retries;
    /** Leak detection: enter() records its thread and stack (Vm.Builder.recordSectionSites). */
    private final boolean recordSites;
    /** Written with the write side held (setRelease), read by readers with getAcquire. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile CacheState state = CacheState.INITIAL;
    /**
     * Test hook: run by a refresh right after it faulted the page in, with no lock held (the
     * window in which an invalidation makes hva_to_pfn_retry go round again). Null in use.
     */
    volatile Runnable faultHook;
    /**
     * Test hook: run by a refresh with the write side held, after its retry check and before it
     * publishes (the stretch an invalidation's walk must not overtake, R5/R8). Null in use.
     */
    volatile Runnable publishHook;
    /** The uhva pages under which the Vm's index lists this cache (at most two); guarded by gpc_lock. */
    long indexedPage = BAD_HVA;
    long indexedPage2 = BAD_HVA;

    PfnCache(Vm vm, String name, InvalidationStrategy strategy, CacheLock lock) {
        this.vm = vm;
        this.memslots = vm.memslots();
        this.name = name;
        this.strategy = strategy;
        this.lock = lock;
        this.refreshLock = new Mutex("&gpc->refresh_lock", vm.guard());
        this.countChecks = vm.statistics();
        this.recordSites = vm.guard().recordsSectionSites();
    }

    // ---- state accessors: the names say the ordering (lv: load-acquire, so: store-release) ----

    /** Acquire: pairs with {@link #soState}, so a reader sees the page contents and fields published with it (I1, I2). */
    private CacheState lvState() {
        return (CacheState) STATE.getAcquire(this);
    }

    /** Release, with the write side held: pairs with {@link #lvState}. */
    private void soState(CacheState s) {
        STATE.setRelease(this, s);
    }

    /**
     * Publishes {@code next} with the write side held, then telling the lock when a valid
     * mapping stops being published (so that a strategy whose readers the write side does not
     * exclude can keep protecting that page).
     */
    private void publish(CacheState next) {
        CacheState old = lvState();
        soState(next);
        // After the store: a grace period the lock records now must begin after readers can no
        // longer find the old mapping (SrcuDomain's ordering note, I3).
        if (old.valid && (!next.valid || next.mapping != old.mapping || next.uhvaPage() != old.uhvaPage())) {
            lock.unpublished(old.uhva);
        }
    }

    // ---- R1, R2: activation ----

    /** kvm_gpc_activate (R1). */
    public void activate(long gpa, int len) {
        if (gpa == INVALID_GPA) {
            throw new IllegalArgumentException("activate: gpa is INVALID_GPA; use activateHva for an hva-based cache");
        }
        if (gpa < 0) {
            throw new IllegalArgumentException("activate: bad gpa 0x" + Long.toHexString(gpa));
        }
        activate(gpa, BAD_HVA, len);
    }

    /** kvm_gpc_activate_hva (R2). */
    public void activateHva(long uhva, int len) {
        if (uhva < 0) {
            throw new IllegalArgumentException("activateHva: bad hva 0x" + Long.toHexString(uhva));
        }
        activate(INVALID_GPA, uhva, len);
    }

    private void activate(long gpa, long uhva, int len) {
        requireLen(gpa, uhva, len, "activate");
        refuseInOwnRead("activate");
        // The Vm's gate first: close() waits for us or we fail, never half of each (Vm's lifecycle).
        vm.enterOperation("activate");
        try {
            ContextGuard.enterOperation(vm.guard());
            try {
                refreshLock.lock("kvm_gpc_activate");
                try {
                    if (!lvState().active) {
                        // R1: add to gpc_list before setting active, so that a concurrent refresh
                        // cannot map a page before invalidations can reach this cache.
                        vm.gpcList().add(this);
                        lock.writeLock();
                        try {
                            publish(lvState().withActive(true));
                        } finally {
                            lock.writeUnlock();
                        }
                    }
                    refreshLocked(gpa, uhva);
                } finally {
                    refreshLock.unlock();
                }
            } finally {
                // Outside the lock's try: a guard error from lock() must not leave the Vm's scope on the thread.
                ContextGuard.exitOperation();
            }
        } finally {
            vm.exitOperation();
        }
    }

    // ---- R4, R5: refresh ----

    /** kvm_gpc_refresh (R4). */
    public void refresh(int len) {
        refuseInOwnRead("refresh");
        vm.enterOperation("refresh");
        try {
            ContextGuard.enterOperation(vm.guard());
            try {
                refreshLock.lock("kvm_gpc_refresh");
                try {
                    CacheState s = lvState();
                    requireLen(s.gpa, s.uhva, len, "refresh");
                    if (!s.active) {
                        throw new IllegalStateException("refresh: cache " + name + " is not active");
                    }
                    // A cache is gpa-based or hva-based, not both; a gpa-based one recomputes its hva.
                    refreshLocked(s.gpa, s.gpa == INVALID_GPA ? s.uhva : BAD_HVA);
                } finally {
                    refreshLock.unlock();
                }
            } finally {
                // Outside the lock's try: a guard error from lock() must not leave the Vm's scope on the thread.
                ContextGuard.exitOperation();
            }
        } finally {
            vm.exitOperation();
        }
    }

    /** __kvm_gpc_refresh, with refresh_lock held: counted and, while JFR records it, an event. */
    private void refreshLocked(long gpa, long uhva) {
        RefreshEvent event = new RefreshEvent();
        event.begin();
        retries = 0;
        String outcome = "FAULT";
        try {
            outcome = refreshCounted(gpa, uhva);
        } catch (PfnCacheFaultException e) {
            stats.faults.increment();
            vm.counters().faults.increment();
            throw e;
        } finally {
            stats.refreshes.increment();
            stats.refreshRetries.add(retries);
            vm.counters().refreshes.increment();
            vm.counters().refreshRetries.add(retries);
            if (event.shouldCommit()) {
                CacheState s = lvState();
                event.cache = name;
                event.strategy = strategy.name();
                event.gpa = s.gpa;
                event.uhva = s.uhva;
                event.retries = retries;
                event.outcome = outcome;
                event.commit();
            }
        }
    }

    /** The body of {@link #refreshLocked}; returns the outcome for the event (MAPPED, OFFSET_ONLY). */
    private String refreshCounted(long gpa, long uhva) {
        String outcome = "MAPPED";
        if ((gpa == INVALID_GPA) == (uhva == BAD_HVA)) {
            // WARN_ON_ONCE(kvm_is_error_gpa(gpa) == kvm_is_error_hva(uhva)): -EINVAL.
            vm.guard().warnOnce("WARN_ON_ONCE(kvm_is_error_gpa(gpa) == kvm_is_error_hva(uhva))", PFNCACHE_C,
                    "__kvm_gpc_refresh");
            throw new IllegalArgumentException("refresh: a cache is gpa-based or hva-based, not both");
        }
        // gpa, uhva, generation and active change only under refresh_lock, which we hold, so the
        // new location can be worked out before taking the write side.
        CacheState before = lvState();
        if (!before.active) {
            throw new IllegalStateException("refresh: cache " + name + " is not active");
        }
        long generation = before.generation;
        long newUhva;
        if (gpa == INVALID_GPA) {
            newUhva = uhva;
        } else {
            Memslots.Snapshot slots = vm.memslots().snapshot();
            if (before.gpa != gpa || before.generation != slots.generation() || before.uhva == BAD_HVA) {
                generation = slots.generation();
                newUhva = slots.gpaToHva(gpa);
            } else {
                newUhva = (before.uhva & ~(long) (PAGE_SIZE - 1)) | (gpa & (PAGE_SIZE - 1));
            }
        }
        if (newUhva != BAD_HVA) {
            // R8 reachability: invalidations of the new page must find this cache before any
            // mapping of it can be published. The old page stays indexed until it is unpublished.
            vm.gpcList().indexAdd(this, pageOf(newUhva));
        }
        KernelMapping retired = null;
        long retiredUhva = BAD_HVA;
        RuntimeException failure = null;
        try {
            lock.writeLock();
            try {
                CacheState old = lvState();
                CacheState next;
                if (newUhva == BAD_HVA) {
                    next = CacheState.of(true, false, gpa, BAD_HVA, generation, -1, null);
                    failure = new PfnCacheFaultException("refresh: no memslot covers gpa 0x" + Long.toHexString(gpa));
                } else if (!old.valid || pageOf(newUhva) != old.uhvaPage()) {
                    // Not valid, or the hva moved: look the page up again (R5).
                    try {
                        next = hvaToPfnRetry(old, gpa, newUhva, generation);
                    } catch (PfnCacheFaultException e) {
                        next = CacheState.of(true, false, gpa, newUhva, generation, -1, null);
                        failure = e;
                    }
                } else {
                    // Still valid and on the same page: only the offset may have changed.
                    next = CacheState.of(true, true, gpa, newUhva, generation, old.pfn, old.mapping);
                    outcome = "OFFSET_ONLY";
                }
                Runnable hook = publishHook;
                if (hook != null) {
                    hook.run();
                }
                publish(next);
                if (old.mapping != null && next.mapping != old.mapping) {
                    retired = old.mapping;
                    retiredUhva = old.uhva;
                }
            } finally {
                lock.writeUnlock();
            }
        } finally {
            // Whatever was published, only its page needs to stay reachable from now on.
            vm.gpcList().indexRetain(this, lvState().uhvaPage());
        }
        // R4: unmap the old mapping only after dropping the write side (unmapping may sleep).
        if (retired != null) {
            retire(retiredUhva, retired);
        }
        if (failure != null) {
            throw failure;
        }
        return outcome;
    }

    /**
     * hva_to_pfn_retry (R5), entered and left with the write side held; the write side is dropped
     * around the fault and the map, which may sleep. Returns the state to publish.
     */
    private CacheState hvaToPfnRetry(CacheState old, long gpa, long uhva, long generation) {
        // Invalidate before dropping the write side: the gpa/uhva below are new, so a concurrent
        // check() must fail on valid alone.
        CacheState pending = CacheState.of(true, false, gpa, uhva, generation, old.pfn, old.mapping);
        publish(pending);
        KernelMapping oldMapping = old.mapping;
        long newPfn = -1;
        KernelMapping newMapping = null;
        long mmuSeq;
        do {
            // Snapshot the sequence; acquire is the smp_rmb() that keeps the page-table walk below
            // from being satisfied before it (pairs with the release in Vm.invalidateRangeEnd, R9).
            mmuSeq = vm.lvMmuInvalidateSeq();
            lock.writeUnlock();
            boolean ok = false;
            try {
                if (newPfn != -1) {
                    // The previous attempt raced an invalidation: drop what it took.
                    if (newMapping != oldMapping) {
                        vm.memory().kunmap(newMapping);
                    }
                    vm.memory().put(newPfn);
                    newPfn = -1;
                    newMapping = null;
                    retries++;
                    ContextGuard.condResched(PFNCACHE_C); // after every retry, as hva_to_pfn_retry does
                }
                newPfn = vm.mm().getUserPage(uhva);
                Runnable hook = faultHook;
                if (hook != null) {
                    hook.run();
                }
                if (newPfn == -1) {
                    throw new PfnCacheFaultException("refresh: hva 0x" + Long.toHexString(uhva)
                            + " is not mapped in the host mm");
                }
                // Reuse the old mapping only if it maps this very allocation of the page.
                newMapping = newPfn == old.pfn && oldMapping != null && !oldMapping.isStale()
                        ? oldMapping : vm.memory().kmap(newPfn);
                ok = true;
            } finally {
                if (!ok && newPfn != -1) {
                    if (newMapping != null && newMapping != oldMapping) {
                        vm.memory().kunmap(newMapping);
                    }
                    vm.memory().put(newPfn);
                }
                lock.writeLock();
            }
            // "Other tasks must wait for _this_ refresh to complete before attempting to refresh."
            if (lvState().valid) {
                vm.guard().warnOnce("WARN_ON_ONCE(gpc->valid)", PFNCACHE_C, "hva_to_pfn_retry");
            }
        } while (vm.mmuNotifierRetryCache(mmuSeq));
        CacheState published = CacheState.of(true, true, gpa, uhva, generation, newPfn, newMapping);
        // Drop the fault's reference: from here the MMU notifier protects the page, not a refcount.
        vm.memory().put(newPfn);
        return published;
    }

    // ---- R6: deactivation ----

    /**
     * kvm_gpc_deactivate (R6); idempotent. Once deactivated, the Vm no longer references the cache:
     * a cache the caller drops is then garbage (the Vm's close-time registry is gpc_list, the active
     * caches only). During or after {@link Vm#close()} it returns once close has deactivated every
     * cache, so it never throws because the Vm is closed.
     */
    public void deactivate() {
        refuseInOwnRead("deactivate");
        if (!vm.enterOperationUnlessClosing()) {
            return; // closing: close() deactivated (or reported) every cache before we returned
        }
        try {
            deactivateGated();
        } finally {
            vm.exitOperation();
        }
    }

    /** Deactivation proper; the caller is inside the Vm's gate. */
    private void deactivateGated() {
        deactivateUntil(0);
    }

    /**
     * Deactivation; with a {@code deadline} (System.nanoTime; 0: none), for {@link Vm#close()}: it
     * gives up when refresh_lock or the write side cannot be had by then, and returns false with
     * the cache left active and mapped (leaked, and reported).
     */
    boolean deactivateUntil(long deadline) {
        ContextGuard.enterOperation(vm.guard());
        try {
            if (deadline == 0) {
                refreshLock.lock("kvm_gpc_deactivate");
            } else if (!refreshLock.tryLock("kvm_gpc_deactivate", Math.max(0, deadline - System.nanoTime()))) {
                vm.reportCloseLeak("&gpc->refresh_lock", List.of("held by thread '" + refreshLock.ownerName()
                        + "' (an operation on the cache that has not finished)"), leakDetail());
                return false;
            }
            try {
                CacheState old = lvState();
                if (!old.active) {
                    return true;
                }
                // Deactivate before leaving the list: invalidations must keep reaching the cache
                // until no reader can use the mapping (R6).
                if (deadline == 0) {
                    lock.writeLock();
                } else if (!lock.closeWriteLock(Math.max(0, deadline - System.nanoTime()), leakDetail())) {
                    return false;
                }
                try {
                    publish(CacheState.of(false, false, old.gpa, old.uhva, old.generation, -1, null));
                } finally {
                    lock.writeUnlock();
                }
                vm.gpcList().remove(this);
                if (old.mapping != null) {
                    retire(old.uhva, old.mapping);
                }
                return true;
            } finally {
                refreshLock.unlock();
            }
        } finally {
            // Outside the lock's try: a guard error from lock() must not leave the Vm's scope on the thread.
            ContextGuard.exitOperation();
        }
    }

    /** What Vm.close leaks when it cannot deactivate this cache. */
    private String leakDetail() {
        CacheState s = lvState();
        return "leaked: cache " + name + " (" + strategy.name() + ") stays active after Vm.close()"
                + (s.mapping != null ? "; its mapping of pfn " + s.pfn + " stays mapped" : "");
    }

    private void retire(long uhva, KernelMapping m) {
        lock.retire(uhva, () -> vm.memory().kunmap(m));
    }

    // ---- R3, R7: the read side ----

    /** R3 on one state: active, valid, current memslot generation (gpa-based), and len fits. */
    private boolean check(CacheState s, int len) {
        return s.valid && s.active
                && (s.gpa == INVALID_GPA || s.generation == memslots.generation())
                && len <= PAGE_SIZE - s.offset;
    }

    /** R3, counted when the Vm asked for statistics (one final-field test otherwise). */
    private boolean checkCounted(CacheState s, int len) {
        boolean ok = check(s, len);
        if (countChecks) {
            stats.checks.increment();
            if (ok) {
                stats.hits.increment();
            }
        }
        return ok;
    }

    /**
     * This cache's counters: refreshes, retries, faults and invalidations always; check() calls
     * and hits when the Vm was built with {@link Vm.Builder#statistics(boolean) statistics(true)}.
     */
    public CacheStats stats() {
        return stats.snapshot();
    }

    /** Enters the read section (read_lock / srcu_read_lock / read_seqcount_begin). */
    public Section enter() {
        CacheLock l = lock;
        boolean record = recordSites;
        SectionImpl s = new SectionImpl(l.readLock(), l, record);
        if (record) {
            vm.guard().sectionEntered(s, "cache " + name + " (" + strategy.name() + ")");
        }
        return s;
    }

    /**
     * R7: enter, check, refresh on failure, call {@code reader} on the khva, leave. Under an
     * optimistic strategy (SEQCOUNT) a section that raced a writer is discarded and {@code reader}
     * runs again, so it may run more than once and must not have effects outside its result.
     *
     * @throws IllegalStateException if {@code reader} refreshes, activates or deactivates this very
     *     cache under an optimistic strategy: every such write invalidates the reader's own section,
     *     so the re-runs would never end (detected on the first re-run)
     */
    public <R> R read(int len, Function<Khva, R> reader) {
        requireAccessLen(len);
        Objects.requireNonNull(reader, "reader");
        boolean rerun = false;
        CacheLock lock = this.lock; // one load, one type check for lock and unlock (as SectionImpl)
        for (;;) {
            long token = lock.readLock();
            boolean checked = false;
            R result = null;
            boolean done = false;
            try {
                CacheState s = lvState();
                if (checkCounted(s, len)) {
                    checked = true;
                    result = rerun ? rerun(reader, s.khva) : reader.apply(s.khva);
                    // An optimistic section that raced a writer re-runs the reader.
                    done = lock.readValidate(token);
                }
            } finally {
                lock.readUnlock(token);
            }
            if (done) {
                return result;
            }
            if (!checked) {
                refresh(len);
            } else {
                rerun = true;
            }
        }
    }

    /** R7 for a primitive result: as {@link #read}, without boxing (allocation-free). */
    public long readLong(int len, ToLongFunction<Khva> reader) {
        return access(len, Objects.requireNonNull(reader, "reader"), APPLY_AS_LONG);
    }

    /**
     * R7 for writes into the page (allocation-free). Under an optimistic strategy (SEQCOUNT) a
     * section that raced an invalidation is discarded and {@code writer} runs again: it may run
     * more than once (each run's stores may have landed, in the old page or the new one), so it
     * must be idempotent. The same refusal as {@link #read} applies to a writer that refreshes its
     * own cache.
     */
    public void write(int len, Consumer<Khva> writer) {
        access(len, Objects.requireNonNull(writer, "writer"), ACCEPT);
    }

    @SuppressWarnings("unchecked")
    private static final ToLongBiFunction<Object, Khva> APPLY_AS_LONG =
            (fn, k) -> ((ToLongFunction<Khva>) fn).applyAsLong(k);
    @SuppressWarnings("unchecked")
    private static final ToLongBiFunction<Object, Khva> ACCEPT = (fn, k) -> {
        ((Consumer<Khva>) fn).accept(k);
        return 0L;
    };

    /** The R7 loop of {@link #readLong} and {@link #write}: non-capturing adapters, so nothing is allocated. */
    private long access(int len, Object fn, ToLongBiFunction<Object, Khva> body) {
        requireAccessLen(len);
        boolean rerun = false;
        CacheLock lock = this.lock; // one load, one type check for lock and unlock (as SectionImpl)
        for (;;) {
            long token = lock.readLock();
            boolean checked = false;
            long result = 0;
            boolean done = false;
            try {
                CacheState s = lvState();
                if (checkCounted(s, len)) {
                    checked = true;
                    result = rerun ? rerun(fn, body, s.khva) : body.applyAsLong(fn, s.khva);
                    done = lock.readValidate(token);
                }
            } finally {
                lock.readUnlock(token);
            }
            if (done) {
                return result;
            }
            if (!checked) {
                refresh(len);
            } else {
                rerun = true;
            }
        }
    }

    /**
     * The cache whose reader function this thread is re-running after a discarded optimistic
     * section (null: none). Set only on that slow path, so the first run costs nothing; a write to
     * the same cache from inside a re-run is refused ({@link #refuseInOwnRead}). A section the
     * reader itself invalidates fails validation every time, so the first re-run is where a
     * livelock shows; a re-run caused by another thread's invalidation refreshes nothing itself.
     */
    private static final ThreadLocal<PfnCache> RERUNNING = new ThreadLocal<>();

    /** Runs {@code reader} again, marked as this cache's re-run on this thread (out of line: the first run stays small). */
    private <R> R rerun(Function<Khva, R> reader, Khva khva) {
        PfnCache outer = RERUNNING.get();
        RERUNNING.set(this);
        try {
            return reader.apply(khva);
        } finally {
            RERUNNING.set(outer);
        }
    }

    private long rerun(Object fn, ToLongBiFunction<Object, Khva> body, Khva khva) {
        PfnCache outer = RERUNNING.get();
        RERUNNING.set(this);
        try {
            return body.applyAsLong(fn, khva);
        } finally {
            RERUNNING.set(outer);
        }
    }

    /** Refuses a write-side operation from inside this cache's own re-run reader function. */
    private void refuseInOwnRead(String op) {
        if (RERUNNING.get() == this) {
            throw new IllegalStateException(op + "() of cache " + name + " from inside its own " + strategy.name()
                    + " read()/readLong()/write() function: each " + op + " invalidates the reader's own"
                    + " optimistic section, so the function would be re-run forever (livelock); call " + op
                    + " before the read, or use enter() and check()");
        }
    }

    public boolean isActive() {
        return lvState().active;
    }

    public boolean isValid() {
        return lvState().valid;
    }

    public long gpa() {
        return lvState().gpa;
    }

    public long uhva() {
        return lvState().uhva;
    }

    /** The cached pfn, -1 when there is none. */
    public long pfn() {
        return lvState().pfn;
    }

    public InvalidationStrategy strategy() {
        return strategy;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        CacheState s = lvState();
        return "PfnCache(" + name + ", " + strategy.name() + ", active=" + s.active + ", valid=" + s.valid
                + ", gpa=0x" + Long.toHexString(s.gpa) + ", uhva=0x" + Long.toHexString(s.uhva) + ", pfn=" + s.pfn + ")";
    }

    // ---- helpers ----

    private static long pageOf(long hva) {
        return hva & ~(long) (PAGE_SIZE - 1);
    }

    private static void requireAccessLen(int len) {
        if (len < 1 || len > PAGE_SIZE) {
            throw new IllegalArgumentException("bad len " + len + ": must be in [1, " + PAGE_SIZE + "]");
        }
    }

    /** kvm_gpc_is_valid_len: len must fit in the page from the offset of the gpa (or hva). */
    private static void requireLen(long gpa, long uhva, int len, String op) {
        requireAccessLen(len);
        long addr = gpa != INVALID_GPA ? gpa : uhva;
        int offset = addr == BAD_HVA ? 0 : (int) (addr & (PAGE_SIZE - 1));
        if (offset + len > PAGE_SIZE) {
            throw new IllegalArgumentException(op + ": bad len " + len + " at page offset " + offset
                    + " (0x" + Long.toHexString(addr) + "): it leaves the " + PAGE_SIZE + "-byte page");
        }
    }

    /**
     * The kernel-shaped read section. A single-thread object: the thread that entered it checks,
     * uses and closes it; any other thread calling one of its methods gets
     * {@link IllegalStateException} and changes nothing (the read side and the guard's per-thread
     * context belong to the entering thread).
     */
    public interface Section extends AutoCloseable {
        /** kvm_gpc_check (R3). */
        boolean check(int len);

        /** The mapping at the cache's offset; only after {@link #check} returned true. */
        Khva khva();

        /** False when an optimistic section raced an invalidation: discard what it read. */
        boolean validate();

        /** read_unlock / srcu_read_unlock; idempotent. */
        @Override
        void close();
    }

    private final class SectionImpl implements Section {
        private final long token;
        /*
         * The cache's lock and recordSites, as enter() read them: the section is scalar-replaced
         * when enter() and close() are compiled together, so these stay in registers and close()
         * neither reloads the lock after the read side's fence nor type-checks it again (issue 10).
         */
        private final CacheLock lock;
        private final boolean recordSites;
        /** The entering thread: the one field compare on every call (issue 9, item 3). */
        private final Thread owner = Thread.currentThread();
        private CacheState checked;
        private boolean closed;

        SectionImpl(long token, CacheLock lock, boolean recordSites) {
            this.token = token;
            this.lock = lock;
            this.recordSites = recordSites;
        }

        private void ensureOpen(String op) {
            ensureOwner(op);
            if (closed) {
                throw new IllegalStateException(op + " on a closed section of cache " + name);
            }
        }

        private void ensureOwner(String op) {
            if (owner != Thread.currentThread()) {
                throw new IllegalStateException(op + " of a section of cache " + name + " from thread '"
                        + Thread.currentThread().getName() + "', but thread '" + owner.getName()
                        + "' entered it: a section belongs to the thread that entered it (its read side and"
                        + " lock context are that thread's); nothing was changed");
            }
        }

        @Override
        public boolean check(int len) {
            ensureOpen("check()");
            requireAccessLen(len);
            CacheState s = lvState();
            boolean ok = checkCounted(s, len);
            checked = ok ? s : null;
            return ok;
        }

        @Override
        public Khva khva() {
            ensureOpen("khva()");
            if (checked == null) {
                throw new IllegalStateException("khva() of cache " + name + " without a successful check()");
            }
            return checked.khva;
        }

        @Override
        public boolean validate() {
            ensureOpen("validate()");
            return lock.readValidate(token);
        }

        @Override
        public void close() {
            ensureOwner("close()");
            if (!closed) {
                closed = true;
                checked = null;
                if (recordSites) {
                    vm.guard().sectionExited(this);
                }
                lock.readUnlock(token);
            }
        }
    }

    // ---- used by Vm ----

    /**
     * This cache's step of {@code gfn_to_pfn_cache_invalidate_start} (R8), with gpc_lock held:
     * test under the walk lock; only if it matched, take the write side, test again (the cache
     * may have changed in between) and clear valid. {@link #EAGAIN}: a lock answered -EAGAIN
     * (R10); {@link #CLEARED}: valid was cleared; else {@link #UNTOUCHED}.
     */
    int invalidateStart(MmuNotifierRange range) {
        if (!lock.walkReadLock(range)) {
            return EAGAIN;
        }
        boolean matched;
        try {
            matched = covered(lvState(), range);
        } finally {
            lock.walkReadUnlock();
        }
        if (!matched) {
            return UNTOUCHED;
        }
        if (!lock.invalidateWriteLock(range)) {
            return EAGAIN;
        }
        try {
            CacheState s = lvState();
            if (!covered(s, range)) {
                return UNTOUCHED;
            }
            publish(s.invalid);
        } finally {
            lock.invalidateWriteUnlock();
        }
        stats.invalidations.increment();
        return CLEARED;
    }

    /** {@link #invalidateStart} outcomes. */
    static final int EAGAIN = -1;
    static final int UNTOUCHED = 0;
    static final int CLEARED = 1;

    /** The walk's test: valid, a real pfn, and uhva in [start, end). */
    private static boolean covered(CacheState s, MmuNotifierRange range) {
        return s.valid && s.pfn != -1 && s.uhva >= range.start() && s.uhva < range.end();
    }

    /** Releases the lock's resources; the Vm calls it on close, after deactivating. */
    void closeLock() {
        lock.close();
    }
}
