package org.pfncache.sync;

import org.pfncache.jfr.GracePeriodEvent;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.ReaderStallReport;

/**
 * An SRCU domain ({@code struct srcu_struct}) shaped like kernel/rcu/srcutree.c: read sections
 * that may sleep, grace periods that wait for the sections that began before them, polled grace
 * periods that never block, and deferred callbacks ({@code call_srcu}).
 *
 * <h2>Algorithmic notes</h2>
 *
 * <p><b>Readers.</b> Reader slots stand in for CPUs: a fixed power-of-two number of slots
 * (2 x available processors rounded up, at least 8), each with counters {@code locks[2]} and
 * {@code unlocks[2]} in its own 128-byte stride of one {@code long[]}. A thread maps to slot
 * {@code tid & mask}. The first thread to use a slot owns it (a CAS on the slot's owner, once),
 * like a CPU owns its per-CPU counters: the owner alone writes that slot, so its increments are a
 * plain read and an ordered store, with no atomic read-modify-write. A thread whose slot is owned
 * by another live thread uses the slot's shared twin, where increments are atomic
 * {@code getAndAdd}s. {@link #readLock()} reads the active index (0 or 1) and increments
 * {@code locks[idx]}; the token ({@code slot << 2 | shared << 1 | idx}) tells
 * {@link #readUnlock(int)} which {@code unlocks[idx]} to increment, so a reader always unlocks the
 * index it locked. No location is written by every reader. B (after the lock increment) is a full
 * fence, as srcu_read_lock's smp_mb(), when readers are fenced; when they are asymmetric ({@link
 * AsymmetricFence}, Java 22+ on Linux) B is a compiler barrier only and the scan's A is {@link
 * AsymmetricFence#heavy()}, a membarrier(2) that makes every running reader execute the full
 * barrier B would have been, as srcutree.c's SRCU-fast readers rely on synchronize_rcu() (X) in
 * place of A (the argument is in AsymmetricFence's notes; {@link #readerFlavour()} says which
 * runs; D and E, updater-side, stay full fences). C (the unlock increment) is a release store on
 * an owned slot (a volatile RMW on a shared one), which orders the section before the count as
 * srcu_read_unlock's smp_mb() does for the scan's pairing.
 *
 * <p><b>Scanning an index.</b> An index has no readers when, over all slots, the unlock sum equals
 * the lock sum. The sums are taken slot by slot at different times, so a scan sums unlocks first,
 * then a full fence (A, {@link AsymmetricFence#heavy()}), then locks. A pairs with C: an unlock
 * the scan counted brings the matching lock (and the reader's whole section) with it, so the sums
 * can only be equal when every reader counted on that index has left, and that reader's accesses
 * happen-before the grace period's end. A pairs with B as store buffering: a reader whose lock
 * increment the scan missed sees every store the updater made before A, so it needs no waiting.
 * The sums are 64-bit and only compared for equality, so counter wrap-around is harmless.
 *
 * <p><b>Grace periods</b> (all steps under the GP lock, a {@link ReentrantLock}):
 * <ol>
 * <li>SCAN1: wait until the <em>inactive</em> index has no readers. Readers there read the index
 *     before an earlier flip and incremented late; had that earlier grace period missed them, the
 *     flip below would make their index active again and phase 2 would never look at it.</li>
 * <li>Flip the active index, between two full fences: E (the scan that allowed the flip is ordered
 *     before it; readers that use the new index were not seen by earlier scans) and D (pairs with
 *     C: a reader whose unlock a later scan misses uses the new index from its next readLock on, so
 *     stale-index readers cannot keep a phase waiting).</li>
 * <li>SCAN2: wait until the old active index has no readers. Every reader that entered before
 *     the grace period started counted itself on one of the two indexes scanned.</li>
 * </ol>
 *
 * <p><b>Grace-period sequence and cookies</b> (rcu_seq): {@code gpSeq}'s two low bits are the
 * state (0 idle, 1 SCAN1, 2 SCAN2) and the rest counts grace periods; a start adds 1, the end
 * rounds up to the next multiple of 4. {@link #startPoll()} returns {@code (gpSeq + 7) & ~3}: the
 * value {@code gpSeq} will have once a grace period that started after the call has ended (the
 * next one when idle, the one after the current one otherwise, since the current one may already
 * have scanned). A cookie is done when {@code gpSeq - cookie >= 0}, which is wrap-safe. Nothing
 * drives grace periods in the background: whoever needs one drives it. {@link #synchronize()} and
 * the reclaimer take the GP lock, advance as far as possible, release it and back off;
 * {@link #startPoll()} and {@link #pollCompleted(long)} only {@code tryLock} and advance without
 * waiting, so they never block. Every step of advancing is bounded (sums over the slots).
 *
 * <p><b>Callbacks.</b> {@link #call(Runnable)} records a cookie and queues the callback in an
 * MPSC queue; a daemon reclaimer thread ({@code srcu-reclaim-NAME}, started on the first call)
 * takes callbacks in FIFO order, drives the grace period each one waits for, runs it once that
 * cookie is done, and parks when the queue is empty. {@link #barrier()} queues a marker and waits
 * for it: FIFO order means every callback queued before it has run. Waking a parked thread is a
 * system call (2-7 µs on a VM), too dear for every call_srcu (a cache refresh makes one): an
 * emptied queue makes the reclaimer linger, parked for {@link #LINGER_NANOS} (one jiffy at
 * HZ=1000, the most srcutree.c's {@code srcu_funnel_gp_start()} delays the grace-period work it
 * queues for a new callback: {@code !!srcu_get_delay()}, 0 or 1 jiffy), and only when the
 * queue is still empty after that does it go idle, parked without a timeout. call() unparks it
 * only when it is idle: it enqueues (a volatile CAS), then reads {@link #reclaimerIdle}; the
 * reclaimer sets reclaimerIdle (volatile) and then polls the queue once more before parking.
 * Both sides volatile, so one of them sees the other: no callback is left with an idle
 * reclaimer. A thread that makes calls now and then (say every 70 µs) pays no wake-up; its
 * callbacks wait up to a millisecond longer; an idle domain still costs no CPU.
 *
 * <p><b>Hazard.</b> A reader thread that dies (or blocks forever) inside its read section blocks
 * this domain's grace periods forever: {@link #synchronize()} never returns, callbacks never run,
 * {@link #barrier()} and {@link #close()} never return ({@link #close(Duration)} gives up in
 * bounded time and leaks the callbacks that did not run). Waiters report a stall through the
 * guard ({@link ReaderStallReport}, naming the threads that own the slots still counted; every
 * reader-stall timeout of the guard, default 10 s, a bounded number of times per grace period,
 * see {@link #stallWarnings()}) but never throw because of a stall. Polling still never blocks (it answers false), and other
 * domains are unaffected: they share no state. Calling {@link #synchronize()} from inside a read
 * section of the same domain is the same deadlock, as in the kernel.
 */
public final class Srcu implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Srcu.class.getName());
    private static final VarHandle CTRS = MethodHandles.arrayElementVarHandle(long[].class);
    /** B and A: a full fence each, or a compiler barrier and membarrier(2) (see notes). */
    private static final AsymmetricFence FENCE = AsymmetricFence.get();
    private static final VarHandle ACTIVE_IDX;
    private static final VarHandle GP_SEQ;

    /** Longs per slot: 4 counters padded to 128 bytes (two lines, against adjacent-line prefetch). */
    private static final int STRIDE = 16;
    private static final int LOCKS = 0;
    private static final int UNLOCKS = 2;
    /**
     * In an owned slot's stride: the owner's thread id (0 while unowned), a mirror of
     * {@link #owners} that the read side tests instead of the owner reference: it sits in the
     * line the reader writes anyway, so the test costs one load there and no walk to another
     * array (issue 10). Written by the thread that claimed the slot, after its CAS on owners.
     * Thread ids are never reused, so finding one's own id there means one owns the slot: only
     * the owner writes its id, and an owner loses the slot only once it has terminated.
     */
    private static final int OWNER_TID = 4;
    private static final int MAX_SLOTS = 1 << 16;

    static final long SEQ_STATE_MASK = 3;
    static final int GP_IDLE = 0;
    static final int GP_SCAN1 = 1;
    static final int GP_SCAN2 = 2;

    static final long DEFAULT_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final int MAX_STALL_WARNINGS_PER_GP = 3;
    /** The first poll interval once {@link Backoff}'s spin is over; it doubles up to {@link #MAX_POLL_NANOS}. */
    private static final long MIN_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /** The longest poll interval: srcutree's SRCU_MAX_INTERVAL is 10 jiffies (10 ms at HZ=1000). */
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_DOUBLINGS = 63 - Long.numberOfLeadingZeros(MAX_POLL_NANOS / MIN_POLL_NANOS) + 1;
    private static final long BARRIER_WAIT_MILLIS = 100;
    /** Longer timeouts are treated as this (about 292 years fit in a long of nanoseconds). */
    private static final Duration MAX_TIMEOUT = Duration.ofDays(365);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ACTIVE_IDX = l.findVarHandle(Srcu.class, "activeIdx", int.class);
            GP_SEQ = l.findVarHandle(Srcu.class, "gpSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Which lock kind SRCU's update side ({@code srcu_gp_start_if_needed()}'s
     * {@code srcu_data}/{@code srcu_usage} locks) uses.
     */
    public enum UpdateLock {
        /**
         * spinlock_t, as Tree SRCU has used for years through v6.x: call_srcu() and
         * start_poll_synchronize_srcu() might sleep under PREEMPT_RT (R13). The default.
         */
        SPINLOCK,
        /**
         * raw_spinlock_t, as the v7.0 fix for call_srcu() from preemption-disabled code (RCU Tasks
         * Trace on SRCU) converted them: the update side never sleeps under any model.
         */
        RAW_SPINLOCK
    }

    private final String name;
    private final Guard guard;
    private final UpdateLock updateLockKind;
    /** The update-side lock: lockdep's "&ACCESS_PRIVATE(sdp, lock)" (one for the domain, not per CPU). */
    private final KernelLock sdpLock;
    private final int slotMask;
    /** Slot s's counters start at (s + 1) * STRIDE: a leading stride keeps slot 0 off the header. */
    private final long[] ctrs;
    /** Slot owners; a slot's owner alone writes its (owned) counters. Claimed by CAS, read opaque. */
    private final Thread[] owners;
    @SuppressWarnings("unused") // accessed through ACTIVE_IDX; written under gpLock
    private int activeIdx;
    @SuppressWarnings("unused") // accessed through GP_SEQ; written under gpLock
    private long gpSeq;
    private final long gpSeqOrigin;
    private final ReentrantLock gpLock = new ReentrantLock();
    /** Written before the volatile gpSeq store that starts a grace period. */
    private volatile long gpStartNanos;

    private final long stallNanos;
    private final Object stallLock = new Object();
    private long stallGp;          // guarded by stallLock: the grace period the count below is for
    private int stallsThisGp;      // guarded by stallLock
    private volatile long stallWarnings; // written under stallLock

    /**
     * call_srcu's queue: many producers, the reclaimer alone consumes. Measured against JCTools'
     * MpscUnboundedArrayQueue (bench {@code JctoolsVsJdk}, JDK 17, 2 CPUs;
     * docs/results/jctools-vs-jdk.md): 14.9 against 5.7 ns and 24 against 0 bytes per callback.
     * Kept: a callback is a deferred unmap that waits a whole grace period (microseconds to
     * milliseconds), so the difference is below 1% of it, and core takes no runtime dependency.
     */
    private final ConcurrentLinkedQueue<Callback> callbacks = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Thread> reclaimer = new AtomicReference<>();
    /** call()s between their closed check and their enqueue; close() waits for zero (Dekker with closed). */
    private final AtomicInteger callsInFlight = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean stopping;
    /** Set by the reclaimer as it exits, after which nothing it could run remains queued. */
    private volatile boolean reclaimerExited;
    /** The reclaimer is parked without a timeout: a call() must unpark it (class comment, Callbacks). */
    private volatile boolean reclaimerIdle;
    /** Times call() woke an idle reclaimer (tests, diagnostics); written under no lock, racy by design. */
    private volatile long reclaimerWakeups;
    /** How long an emptied queue keeps the reclaimer lingering before it goes idle (class comment). */
    static final long LINGER_NANOS = 1_000_000;
    /** close(timeout) gave up on the barrier: the reclaimer exits without running what is left. */
    private volatile boolean abandoned;
    /** Callbacks the reclaimer left unrun when abandoned; written before it exits (read after join). */
    private int leftUnrun;
    private final Object closeLock = new Object();
    private boolean closeDone;     // guarded by closeLock

    /** A domain in the process-default guard domain. */
    public Srcu(String name) {
        this(name, null);
    }

    /** A domain whose synchronize/barrier report might-sleep violations through {@code guard}. */
    public Srcu(String name, Guard guard) {
        this(name, guard, UpdateLock.SPINLOCK);
    }

    /** As {@link #Srcu(String, Guard)}, with the given kind of update-side lock. */
    public Srcu(String name, Guard guard, UpdateLock updateLock) {
        this(name, guard, defaultSlots(), 0L, 0L, stallNanosOf(guard), updateLock);
    }

    /** The guard's reader-stall timeout (0: no stall reports). */
    private static long stallNanosOf(Guard guard) {
        return (guard == null ? Guard.processDefault() : guard).readerStallNanos();
    }

    Srcu(String name, Guard guard, int slots, long counterOrigin, long gpSeqOrigin, long stallNanos) {
        this(name, guard, slots, counterOrigin, gpSeqOrigin, stallNanos, UpdateLock.SPINLOCK);
    }

    /**
     * For tests: {@code slots} reader slots (a power of two), every counter starting at
     * {@code counterOrigin} and the grace-period sequence at {@code gpSeqOrigin} (idle, a multiple
     * of 4), so that wrap-around can be reached; stall warnings every {@code stallNanos}.
     */
    Srcu(String name, Guard guard, int slots, long counterOrigin, long gpSeqOrigin, long stallNanos,
         UpdateLock updateLock) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("srcu name must be non-blank, got "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        if (slots < 1 || slots > MAX_SLOTS || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("reader slots must be a power of two in [1, " + MAX_SLOTS
                    + "], got " + slots);
        }
        if ((gpSeqOrigin & SEQ_STATE_MASK) != GP_IDLE) {
            throw new IllegalArgumentException("grace-period sequence origin must be idle (a multiple of 4), got "
                    + gpSeqOrigin);
        }
        if (stallNanos < 0) {
            throw new IllegalArgumentException("stall interval must not be negative, got " + stallNanos + " ns");
        }
        this.name = name;
        this.guard = guard == null ? Guard.processDefault() : guard;
        this.updateLockKind = java.util.Objects.requireNonNull(updateLock, "updateLock");
        this.sdpLock = updateLock == UpdateLock.SPINLOCK
                ? new SpinLock("&ACCESS_PRIVATE(sdp, lock)", this.guard)
                : new RawSpinLock("&ACCESS_PRIVATE(sdp, lock)", this.guard);
        this.slotMask = slots - 1;
        // Owned slots first, then their shared twins; a leading stride keeps slot 0 off the header.
        this.ctrs = new long[(2 * slots + 1) * STRIDE];
        this.owners = new Thread[slots];
        Arrays.fill(ctrs, counterOrigin);
        for (int slot = 0; slot < slots; slot++) {
            ctrs[(slot + 1) * STRIDE + OWNER_TID] = 0L; // unowned (counterOrigin is for counters only)
        }
        this.gpSeq = gpSeqOrigin;
        this.gpSeqOrigin = gpSeqOrigin;
        this.stallGp = gpSeqOrigin - (SEQ_STATE_MASK + 1); // a grace period that never runs
        this.stallNanos = stallNanos;
    }

    static int defaultSlots() {
        int wanted = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
        return Math.min(MAX_SLOTS, Integer.highestOneBit(wanted - 1) << 1);
    }

    public String name() {
        return name;
    }

    /** Whether B is a full fence or a compiler barrier paired with membarrier(2) at A; process-wide. */
    public AsymmetricFence.ReaderFlavour readerFlavour() {
        return FENCE.readerFlavour();
    }

    // ---- read side: never blocks, never allocates ------------------------------------------

    /** {@code srcu_read_lock()}: enters a read section; pass the token to {@link #readUnlock(int)}. */
    public int readLock() {
        // Opaque: either index is safe (see notes); B below orders the section after the increment.
        int idx = (int) ACTIVE_IDX.getOpaque(this);
        Thread me = Thread.currentThread();
        long tid = me.getId();
        int slot = (int) tid & slotMask;
        int owned = (slot + 1) * STRIDE;
        long[] c = ctrs; // one load of the array for the test and the increment
        // Opaque: an untorn read of a cell claimers write; our own id is there only if we wrote it
        // (pairs with the setOpaque in claim(); I3, see OWNER_TID).
        if ((long) CTRS.getOpaque(c, owned + OWNER_TID) == tid || claim(slot, me)) {
            int at = owned + LOCKS + idx;
            // Owned: no other thread writes this counter, so a plain read and an opaque store
            // (never torn, never hoisted) are a complete increment.
            CTRS.setOpaque(c, at, (long) CTRS.get(c, at) + 1);
            // B = srcu_read_lock's smp_mb() (a compiler barrier when asymmetric); pairs with A in
            // readersGone() (store buffering).
            AsymmetricFence.readerBarrier();
            return slot << 2 | idx;
        }
        // B: a volatile RMW on the shared twin is the full barrier too.
        CTRS.getAndAdd(ctrs, (slotMask + slot + 2) * STRIDE + LOCKS + idx, 1L);
        return slot << 2 | 2 | idx;
    }

    /**
     * Claims {@code slot} for {@code me} if it is free or its owner has died (rare path), and
     * then records {@code me}'s id in the slot's {@link #OWNER_TID} cell.
     */
    private boolean claim(int slot, Thread me) {
        // A dead owner's counts stay counted; a thread that overrides getId() never owns a slot.
        if (!ThreadIds.claim(owners, slot, me)) {
            return false;
        }
        // Opaque: only this thread tests for its own id (program order); other readers of the
        // cell need an untorn value that is not theirs, which any value but their id is. Serves
        // I3: a slot written by two threads would lose counts, and a grace period could then end
        // with a reader still inside.
        CTRS.setOpaque(ctrs, (slot + 1) * STRIDE + OWNER_TID, me.getId());
        return true;
    }

    /** {@code srcu_read_unlock()}: leaves the read section that {@code token} came from. */
    public void readUnlock(int token) {
        int slot = token >>> 2;
        if (slot > slotMask) {
            throw new IllegalArgumentException("srcu '" + name + "': " + token + " is not a read token of this domain");
        }
        int idx = token & 1;
        // Owned path only on the owner's own thread; a section closed by another thread counts
        // its unlock in the shared twin (only the sums over all slots matter).
        int owned = (slot + 1) * STRIDE;
        long[] c = ctrs;
        if ((token & 2) == 0 && (long) CTRS.getOpaque(c, owned + OWNER_TID) == Thread.currentThread().getId()) {
            int at = owned + UNLOCKS + idx;
            // C: release store on the owned counter: the section happens-before a scan that
            // counts this unlock (the scan's fence A acquires it).
            CTRS.setRelease(c, at, (long) CTRS.get(c, at) + 1);
            return;
        }
        // C on a shared slot: a volatile RMW (other threads increment the same counter).
        CTRS.getAndAdd(ctrs, (slotMask + slot + 2) * STRIDE + UNLOCKS + idx, 1L);
    }

    // ---- grace periods ---------------------------------------------------------------------

    /** {@code synchronize_srcu()}: returns once every reader that entered before the call has left. */
    public void synchronize() {
        guard.mightSleep("synchronize_srcu");
        GracePeriodEvent event = new GracePeriodEvent();
        event.begin();
        awaitCompleted(startPollInternal(), false, 0L);
        commit(event, true);
    }

    private void commit(GracePeriodEvent event, boolean completed) {
        if (event.shouldCommit()) {
            event.domain = name;
            event.completed = completed;
            event.commit();
        }
    }

    /** {@link #synchronize()} bounded by {@code timeout}; false if it expired first. */
    public boolean synchronize(Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException("srcu '" + name + "': synchronize timeout must not be null");
        }
        guard.mightSleep("synchronize_srcu");
        long nanos = timeout.isNegative() ? 0L : timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT.toNanos()
                : timeout.toNanos();
        GracePeriodEvent event = new GracePeriodEvent();
        event.begin();
        boolean done = awaitCompleted(startPollInternal(), true, System.nanoTime() + nanos);
        commit(event, done);
        return done;
    }

    /**
     * {@code start_poll_synchronize_srcu()}: a cookie for {@link #pollCompleted(long)} that is done
     * once a grace period that started after this call has ended. Starts that grace period if it
     * can without waiting; never blocks on readers.
     *
     * <p>R13: like the kernel's ({@code srcu_gp_start_if_needed()} takes the per-CPU
     * {@code srcu_data} lock), it takes this domain's {@link #updateLock() update-side lock}: with
     * {@link UpdateLock#SPINLOCK} that is a spinlock_t, so under PREEMPT_RT the call might sleep
     * and is reported in an invalid context (non_block, preemption or irqs off, a raw lock held).
     */
    public long startPoll() {
        return startPollGuarded("start_poll_synchronize_srcu");
    }

    /**
     * {@code get_state_synchronize_srcu()}: the cookie {@link #startPoll()} would return, without
     * starting a grace period and without any lock; never sleeps in any context. Pass it to
     * {@link #pollCompleted(long)} (which, unlike the kernel's, may advance an already needed
     * grace period when the GP lock is free).
     */
    public long getState() {
        // Full fence, as get_state_synchronize_srcu's smp_mb(): the caller's earlier stores are
        // ordered before the snapshot (pairs with the scans' fence A, see startPollInternal).
        VarHandle.fullFence();
        return snap(gpSeq());
    }

    /** The update-side lock call() and startPoll() take (R13). */
    public UpdateLock updateLock() {
        return updateLockKind;
    }

    /** What startPoll() and call() do, under the update-side lock, reported as {@code function}. */
    private long startPollGuarded(String function) {
        boolean tracking = guard.tracking();
        if (tracking) {
            ContextGuard.enterFunction(function);
            ContextGuard.enterFunction("srcu_gp_start_if_needed");
        }
        long cookie;
        try {
            // spin_lock_irqsave_sdp_contention(): the lock is held only for the snapshot, so
            // nothing below can wait while holding it. The fence orders the caller's stores
            // before the snapshot, as in startPollInternal.
            sdpLock.lock("srcu_gp_start_if_needed");
            try {
                VarHandle.fullFence();
                cookie = snap(gpSeq());
            } finally {
                sdpLock.unlock();
            }
        } finally {
            if (tracking) {
                ContextGuard.exitFunction();
                ContextGuard.exitFunction();
            }
        }
        drive(cookie, false);
        return cookie;
    }

    /** startPoll() without the update-side lock, for paths that already reported might-sleep. */
    private long startPollInternal() {
        // Full fence: the caller's earlier stores are ordered before the snapshot, hence before the
        // A of every scan of a grace period that starts after it (rcu_seq_snap's smp_mb()).
        VarHandle.fullFence();
        long cookie = snap(gpSeq());
        drive(cookie, false);
        return cookie;
    }


    /**
     * {@code poll_state_synchronize_srcu()}: true once the grace period of {@code cookie} has
     * ended. Advances the grace period as far as it can without waiting (only if the GP lock is
     * free); never sleeps, never blocks.
     *
     * @throws IllegalArgumentException if {@code cookie} lies beyond any {@link #startPoll()} so far
     */
    public boolean pollCompleted(long cookie) {
        long s = gpSeq();
        if (cookie - snap(s) > 0) {
            throw new IllegalArgumentException("srcu '" + name + "': cookie " + cookie
                    + " was not issued by this domain (grace-period sequence is " + s + ")");
        }
        return done(s, cookie) || drive(cookie, false);
    }

    /** Grace periods completed since construction. */
    public long completedGracePeriods() {
        return (gpSeq() - gpSeqOrigin) >>> 2;
    }

    /** Stall diagnostics emitted so far. */
    public long stallWarnings() {
        return stallWarnings;
    }

    /**
     * Volatile read: pairs with the volatile stores in advance(), so a caller that sees its cookie
     * done also sees everything the grace period observed (the readers' sections, via A and C).
     */
    private long gpSeq() {
        return (long) GP_SEQ.getVolatile(this);
    }

    private static long snap(long s) {
        return (s + 2 * SEQ_STATE_MASK + 1) & ~SEQ_STATE_MASK;
    }

    private static boolean done(long s, long cookie) {
        return s - cookie >= 0;
    }

    /** Waits (backing off between attempts) until {@code cookie} is done; false on deadline. */
    private boolean awaitCompleted(long cookie, boolean timed, long deadline) {
        int step = 0;
        boolean interrupted = false;
        try {
            while (!drive(cookie, true)) {
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    return false;
                }
                warnIfStalled(now);
                step = pause(step, timed ? deadline - now : MAX_POLL_NANOS);
                // Uninterruptible like synchronize_srcu: clear so parking works, restore on return.
                interrupted |= Thread.interrupted();
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One step of waiting for readers. Readers never wake anyone (srcu_read_unlock stays one
     * store, as the kernel's), so whoever needs a grace period polls the counters, as srcutree's
     * workqueue does (srcu_get_delay): a brief spin, then timed parks whose interval doubles from
     * 20 us to 10 ms. A long wait therefore costs one sum over the slots every 10 ms, no spinning;
     * callers clear the interrupt status after each step, so an interrupt cannot make the park
     * return at once (they restore it on return).
     */
    private static int pause(int step, long remainingNanos) {
        if (Backoff.spinning(step)) {
            return Backoff.pause(step);
        }
        int doublings = Math.min(step - Backoff.PARK_AFTER, MAX_DOUBLINGS);
        long interval = Math.min(MAX_POLL_NANOS, MIN_POLL_NANOS << doublings);
        LockSupport.parkNanos(Math.max(1L, Math.min(interval, remainingNanos)));
        return Math.min(step + 1, Backoff.PARK_AFTER + MAX_DOUBLINGS);
    }

    /**
     * Advances toward {@code cookie} without waiting for readers; {@code mayBlock} takes the GP
     * lock, otherwise only a free lock is taken. True once {@code cookie} is done.
     */
    private boolean drive(long cookie, boolean mayBlock) {
        if (done(gpSeq(), cookie)) {
            return true;
        }
        if (mayBlock) {
            gpLock.lock();
        } else if (!gpLock.tryLock()) {
            return done(gpSeq(), cookie);
        }
        try {
            return advance(cookie);
        } finally {
            gpLock.unlock();
        }
    }

    /** The grace-period state machine (see notes); caller holds gpLock. Bounded: at most two GPs. */
    private boolean advance(long cookie) {
        for (;;) {
            long s = (long) GP_SEQ.getOpaque(this); // only gpLock holders write it
            if (done(s, cookie)) {
                return true;
            }
            int state = (int) (s & SEQ_STATE_MASK);
            if (state == GP_IDLE) {
                gpStartNanos = System.nanoTime();
                // Volatile: a startPoll snapshot that saw the idle value precedes this start (see startPoll).
                GP_SEQ.setVolatile(this, s + 1);
                continue;
            }
            int inactive = (int) ACTIVE_IDX.getOpaque(this) ^ 1;
            if (!readersGone(inactive)) {
                return false;
            }
            if (state == GP_SCAN1) {
                flip(inactive);
                GP_SEQ.setVolatile(this, s + 1);
            } else {
                // Volatile (release): the scans above happen-before any poller that sees the end.
                GP_SEQ.setVolatile(this, (s | SEQ_STATE_MASK) + 1);
            }
        }
    }

    private boolean readersGone(int idx) {
        long unlocks = sum(UNLOCKS + idx);
        // A: pairs with C (a counted unlock brings its lock and its section) and B (store buffering).
        FENCE.heavy();
        return sum(LOCKS + idx) == unlocks;
    }

    private long sum(int counter) {
        long total = 0;
        for (int base = STRIDE; base < ctrs.length; base += STRIDE) {
            total += (long) CTRS.getOpaque(ctrs, base + counter);
        }
        return total;
    }

    private void flip(int newIdx) {
        // E: the scan that allowed this flip is ordered before it; pairs with B and C.
        VarHandle.fullFence();
        ACTIVE_IDX.setOpaque(this, newIdx);
        // D: pairs with C; a reader whose unlock a later scan misses sees the new index next time.
        VarHandle.fullFence();
    }

    /** Logs a stall diagnostic when the current grace period has run another stall interval. */
    private void warnIfStalled(long now) {
        long s = gpSeq();
        if (stallNanos == 0 || (s & SEQ_STATE_MASK) == GP_IDLE) {
            return;
        }
        // Read after gpSeq: at least as new as s's grace period, so never a spurious early warning.
        long waited = now - gpStartNanos;
        long due = Math.min(waited / stallNanos, MAX_STALL_WARNINGS_PER_GP);
        if (due <= 0) {
            return;
        }
        long gp = s & ~SEQ_STATE_MASK;
        int number;
        synchronized (stallLock) {
            if (stallGp != gp) {
                stallGp = gp;
                stallsThisGp = 0;
            }
            if (stallsThisGp >= due) {
                return;
            }
            stallsThisGp = (int) due;
            number = (int) due;
            stallWarnings = stallWarnings + 1;
        }
        String phase = (s & SEQ_STATE_MASK) == GP_SCAN1 ? "inactive-index (SCAN1)" : "old-index (SCAN2)";
        guard.readerStall(new ReaderStallReport(name, "synchronize_srcu (grace period "
                + ((gp - gpSeqOrigin) >>> 2) + ", " + phase + ")", Thread.currentThread().getName(),
                TimeUnit.NANOSECONDS.toMillis(waited), readers((int) ACTIVE_IDX.getOpaque(this) ^ 1),
                guard.openSectionSites(), false, "stall warning " + number + " of at most "
                + MAX_STALL_WARNINGS_PER_GP + " for this grace period; a reader thread that died inside its"
                + " section blocks this domain's grace periods forever"));
    }

    /**
     * The readers still counted on index {@code idx} (diagnostics only): the owner of every owned
     * slot whose lock and unlock counts differ, and how many sit on shared slots (no identity).
     */
    private List<String> readers(int idx) {
        List<String> out = new ArrayList<>();
        long shared = 0;
        for (int slot = 0; slot <= slotMask; slot++) {
            int owned = (slot + 1) * STRIDE;
            long inside = (long) CTRS.getOpaque(ctrs, owned + LOCKS + idx) - (long) CTRS.getOpaque(ctrs, owned + UNLOCKS + idx);
            int twin = (slotMask + slot + 2) * STRIDE;
            shared += (long) CTRS.getOpaque(ctrs, twin + LOCKS + idx) - (long) CTRS.getOpaque(ctrs, twin + UNLOCKS + idx);
            Thread owner = ThreadIds.owner(owners, slot);
            if (inside != 0 && owner != null) {
                out.add("thread '" + owner.getName() + "' (" + (owner.isAlive() ? "alive" : "terminated")
                        + "; owns reader slot " + slot + ", " + inside + " section(s) open)");
            } else if (inside != 0) {
                out.add(inside + " section(s) on reader slot " + slot + " (owner unknown)");
            }
        }
        if (shared != 0) {
            out.add(shared + " section(s) on shared reader slots (no recorded identity)");
        }
        return out;
    }

    // ---- callbacks ---------------------------------------------------------------------------

    /**
     * {@code call_srcu()}: runs {@code callback} once, after a grace period, on this domain's
     * reclaimer thread (in the domain's guard; unlike the kernel, bottom halves are not disabled,
     * so a callback may sleep). A callback that throws is logged.
     *
     * @throws IllegalArgumentException if {@code callback} is null
     * @throws IllegalStateException    after {@link #close()}
     */
    public void call(Runnable callback) {
        if (callback == null) {
            throw new IllegalArgumentException("srcu '" + name + "': call() needs a callback, got null");
        }
        // Volatile increment, then volatile read of closed: close() sets closed, then waits for zero,
        // so either this call sees closed or close() sees it in flight and waits for its enqueue.
        callsInFlight.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("srcu '" + name + "' is closed: call() refused");
            }
            enqueueCallback(new Callback(callback, startPollGuarded("call_srcu")));
            Thread t = reclaimerThread();
            // Volatile read after the enqueue's CAS: pairs with the reclaimer's volatile store of
            // reclaimerIdle before its last poll of the queue (class comment, Callbacks; I7: no
            // deferred unmap is left unrun).
            if (reclaimerIdle) {
                reclaimerWakeups++; // racy count (diagnostics): a lost increment is harmless
                LockSupport.unpark(t);
            }
        } finally {
            callsInFlight.decrementAndGet();
        }
    }

    /** {@code srcu_barrier()}: returns after every callback queued before it has run. */
    public void barrier() {
        guard.mightSleep("srcu_barrier");
        barrierUntil(0);
    }

    /** srcu_barrier, giving up at {@code deadline} (System.nanoTime; 0: never): false if it did. */
    private boolean barrierUntil(long deadline) {
        Thread t = reclaimer.get();
        if (t == null) {
            return true; // no call() has returned yet, so nothing was queued before this barrier
        }
        requireNotReclaimer(t, "srcu_barrier");
        if (reclaimerExited) {
            return true; // closed: close() ran everything accepted before stopping the reclaimer
        }
        CountDownLatch ran = new CountDownLatch(1);
        enqueueCallback(new Callback(ran::countDown, startPollInternal()));
        LockSupport.unpark(t);
        boolean interrupted = false;
        try {
            for (;;) {
                long wait = TimeUnit.MILLISECONDS.toNanos(BARRIER_WAIT_MILLIS);
                if (deadline != 0) {
                    wait = Math.min(wait, deadline - System.nanoTime());
                    if (wait <= 0) {
                        return false;
                    }
                }
                try {
                    // The latch is a real wake-up (the reclaimer counts it down); the slices only
                    // re-check reclaimerExited and the deadline.
                    if (ran.await(wait, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (reclaimerExited) {
                    return true; // closed meanwhile: our marker may be orphaned, everything before it ran
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Barrier, then stops the reclaimer; idempotent. Later call()s throw; readers and grace periods still work. */
    @Override
    public void close() {
        close(null);
    }

    /**
     * {@link #close()} bounded by {@code timeout} (null: unbounded). If readers keep the barrier's
     * grace period from ending in time, it stops the reclaimer anyway, leaving the callbacks that
     * had not run unrun (what they would have freed stays allocated), reports that through the
     * guard ({@link ReaderStallReport}, gave up, naming the readers) and returns false.
     */
    public boolean close(Duration timeout) {
        synchronized (closeLock) {
            if (closeDone) {
                return true;
            }
            long start = System.nanoTime();
            long deadline = timeout == null ? 0 : StallClock.deadlineIn(timeout.toNanos());
            guard.mightSleep("srcu_barrier");
            requireNotReclaimer(reclaimer.get(), "close");
            closed = true;
            int step = 0;
            while (callsInFlight.get() != 0) { // call() never waits, so this is short
                step = Backoff.pause(step);
            }
            boolean complete = barrierUntil(deadline);
            if (!complete) {
                abandoned = true; // the reclaimer exits with what it has not run
            }
            stopping = true;
            Thread t = reclaimer.get();
            if (t != null) {
                LockSupport.unpark(t);
                joinUninterruptibly(t);
            }
            closeDone = true;
            if (!complete) {
                int idx = (int) ACTIVE_IDX.getOpaque(this);
                List<String> readers = readers(idx ^ 1);
                readers.addAll(readers(idx));
                guard.readerStall(new ReaderStallReport(name, "srcu_barrier (close)", Thread.currentThread().getName(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), readers, guard.openSectionSites(),
                        true, "leaked: " + leftUnrun + " call_srcu callback(s) never ran (a grace period never"
                        + " ended); whatever they would have freed stays allocated"));
            }
            return complete;
        }
    }

    private void requireNotReclaimer(Thread t, String op) {
        if (t == Thread.currentThread()) {
            throw new IllegalStateException("srcu '" + name + "': " + op + " from one of its own callbacks"
                    + " would wait for itself");
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Producer side of the callback queue (any thread). */
    private void enqueueCallback(Callback cb) {
        callbacks.offer(cb);
    }

    /** Consumer side of the callback queue (the reclaimer only); null when empty. */
    private Callback dequeueCallback() {
        return callbacks.poll();
    }

    /** The reclaimer, started on first use; racing starters agree on one thread. */
    private Thread reclaimerThread() {
        Thread t = reclaimer.get();
        if (t != null) {
            return t;
        }
        Thread created = new Thread(this::reclaim, "srcu-reclaim-" + name);
        created.setDaemon(true);
        if (reclaimer.compareAndSet(null, created)) {
            created.start();
            return created;
        }
        return reclaimer.get();
    }

    private void reclaim() {
        ContextGuard.enterOperation(guard);
        Callback next = null;
        int step = 0;
        boolean lingered = false;
        for (;;) {
            if (next == null) {
                next = dequeueCallback();
                if (next == null) {
                    if (stopping) {
                        reclaimerExited = true;
                        return;
                    }
                    if (!lingered) {
                        // Linger: calls made meanwhile need not wake us (class comment, Callbacks).
                        lingered = true;
                        LockSupport.parkNanos(this, LINGER_NANOS);
                        Thread.interrupted();
                        continue;
                    }
                    // Idle: volatile store, then one more poll (pairs with call()'s enqueue, then
                    // its read of reclaimerIdle; I7); close() and barrier() unpark unconditionally.
                    reclaimerIdle = true;
                    next = dequeueCallback();
                    if (next == null && !stopping) {
                        LockSupport.park(this);
                    }
                    reclaimerIdle = false;
                    Thread.interrupted();
                    lingered = false; // woken: whatever comes next, linger once before idling again
                    step = 0;
                    continue;
                }
                step = 0;
                lingered = false;
            }
            if (abandoned) {
                int left = 1;
                while (dequeueCallback() != null) {
                    left++;
                }
                leftUnrun = left; // read by close() after joining this thread
                reclaimerExited = true;
                return;
            }
            if (!drive(next.cookie, true)) {
                warnIfStalled(System.nanoTime());
                step = pause(step, MAX_POLL_NANOS);
                Thread.interrupted();
                continue;
            }
            invoke(next.action);
            next = null;
        }
    }

    private void invoke(Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "srcu '" + name + "': callback " + action + " threw; the reclaimer carries on", t);
        }
        Thread.interrupted(); // a callback's interrupt must not turn park() into a spin
    }

    // ---- test hooks ----------------------------------------------------------------------------

    /** Times call() had to wake an idle reclaimer. */
    long reclaimerWakeups() {
        return reclaimerWakeups;
    }

    /** The current grace period's state: GP_IDLE, GP_SCAN1 or GP_SCAN2. */
    int gpState() {
        return (int) (gpSeq() & SEQ_STATE_MASK);
    }

    int slots() {
        return slotMask + 1;
    }

    /** The raw grace-period sequence (cookies compare against it). */
    long gpSequence() {
        return gpSeq();
    }

    @Override
    public String toString() {
        return "srcu(" + name + ", gp " + completedGracePeriods() + ", state " + gpState() + ")";
    }

    /** A queued call_srcu callback and the cookie it waits for. */
    private record Callback(Runnable action, long cookie) {
    }
}
