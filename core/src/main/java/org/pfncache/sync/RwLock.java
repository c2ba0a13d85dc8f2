package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.KernelSites;
import org.pfncache.guard.LockType;
import org.pfncache.guard.ReaderStallReport;

/**
 * {@code rwlock_t} with R13 behaviour: under PREEMPT_NONE both sides spin and make the holder
 * atomic; under PREEMPT_RT both sides are sleeping locks and every acquisition counts as
 * might-sleep.
 *
 * <p>Guard bookkeeping under PREEMPT_RT follows spinlock_rt.c's {@code rt_read_lock()} /
 * {@code rt_write_lock()}: {@code rtlock_might_resched()} first (RCU nesting the thread already
 * has is allowed, so nesting in another RT lock is not reported), then lockdep's acquire (so,
 * unlike rt_spin_lock, the rwlock being acquired is not in its own report's list), then the lock,
 * then {@code rcu_read_lock(); migrate_disable()}: while held, the thread's RCU nest depth is one
 * higher and a might-sleep inside reports "RCU nest depth: 1, expected: 0". lockdep lists the
 * class name (no "(read)"); {@link ContextGuard#heldLocks()} keeps the " (read)"/" (write)" suffix.
 *
 * <p>Algorithm: one int word. Bits 0..27 count readers, {@link #WAITING} is set by a writer that
 * has claimed the lock and waits for readers to drain (new readers back off, so writers are not
 * starved, as qrwlock does for process-context readers), {@link #WRITER} marks the held write
 * side, {@link #PARKED} says a waiter sleeps in {@link #waiters}. Writers therefore take the lock
 * in two steps: claim WAITING, then turn WAITING into WRITER once the reader count is zero.
 *
 * <p>Waiting: every wait spins briefly ({@link Backoff}), then parks without a timeout until the
 * releasing side wakes it; interrupts are remembered, not obeyed, and restored on return. On the
 * lock word the protocol is {@link WaitQueue}'s with {@link #PARKED}: writeUnlock wakes readers
 * and writers, the last word reader's readUnlock wakes a writer waiting for the drain. A writer
 * revoking the bias waits for one table slot: it records itself in {@link #revoker}, then swaps
 * the reader's entry for the marker {@code ~id} (a CAS from {@code id} to {@code ~id}), and the
 * reader's unlock, a CAS from {@code id} to 0, fails on the marker, clears the slot and unparks
 * {@link #revoker}. One location, two CASes: whichever comes second sees the other, so no
 * wake-up is lost and no fence is needed on the reader's side beyond its CAS (that CAS replaces
 * the plain release store readers used to leave the table with).
 *
 * <p>Reader stalls: a writer that waits for readers (the drain of the lock word, or a table slot
 * during revocation) reports a {@link ReaderStallReport} through the guard once it has waited
 * the guard's reader-stall timeout (then again each timeout, at most three times), naming the
 * live threads whose hash leads to the slot it waits on (none: the reader died inside its
 * section). {@link #tryWriteLock(String, long, String)} gives up after a timeout instead, for
 * {@code Vm.close()}.
 *
 * <p>Reader bias (BRAVO, Dice and Kogan, USENIX ATC 2019). While {@link #rbias} is set, a reader
 * that uses the token API ({@link #readLockToken()}) publishes itself in one slot of a process-wide
 * table of visible readers, hashed by thread and lock, instead of writing the shared lock word, so
 * readers on different cores never write the same cache line. The table holds the lock's
 * {@code long} id, never a reference (issue 10): a reference store into a long-lived array would
 * add the collector's write barriers (G1's SATB pre-barrier and card-marking post-barrier) to
 * every read_lock and read_unlock, and ids from a 64-bit counter never repeat. A writer first takes the lock word
 * as usual (which stops new readers of either kind), then revokes the bias: it clears rbias,
 * issues a full fence and waits until no table slot names this lock. Revocation costs a table
 * scan, so the bias stays off for nine times as long as the last revocation took; a reader on the
 * slow path turns it back on once that time has passed.
 *
 * <p>Asymmetric reader records (Java 22+ on Linux, when {@link AsymmetricFence} runs asymmetric
 * readers; issue 10). The table's CAS is a full fence on every read_lock. With asymmetric readers
 * a reader first tries its own <em>reader record</em>: its home record is {@code tid & 255}, or
 * one of the three after it when another live thread owns that one; a record is
 * owned by the first thread that claims it (as {@link Srcu} owns its reader slots: a CAS on the
 * owner once, the owner's id mirrored in the record, {@link ThreadIds}), so only its owner ever
 * sets it and the publish is an opaque store of the lock's id, a compiler barrier
 * ({@link AsymmetricFence#readerBarrier()}) and an acquire load of {@link #rbias}. The revoking
 * writer clears rbias, calls {@link AsymmetricFence#heavy()} (membarrier(2)) and scans the
 * records: store buffering, with the hardware half supplied by membarrier's IPIs (the argument is
 * in AsymmetricFence's notes): the writer sees the record or the reader sees the bias off and
 * backs out. A record holds one lock at a time: a thread already reading through its record (a
 * nested read), a thread whose record slot another live thread owns, and every reader when the
 * fence is fenced take the table's CAS path as before. The record's unlock is a release store of
 * 0, a compiler barrier and a load of {@link #recordWaiter}; a writer that has spun on a record
 * and must sleep stores itself in recordWaiter, calls heavy() and re-reads the record before it
 * parks: the same store buffering again, so either it sees the record empty or the reader sees it
 * and unparks it. A lock whose readers never used a record skips the membarrier: a reader's first
 * record use sets {@link #recordsUsed} with a volatile store (a full fence) before its record
 * store, and the writer reads it after its own full fence, so a writer that reads it false is
 * seen by the reader's bias load (both sides fenced: the plain store-buffering argument).
 *
 * <p>Ordering: every acquisition is an acquire CAS and every release a release operation (a
 * release CAS for readers, a volatile getAndSet for the writer); each acquire pairs
 * with the releases of the previous holders, so a reader sees everything the last writer wrote
 * and a writer sees everything written before the readers it drained left.
 */
public final class RwLock {
    private static final VarHandle STATE;
    private static final int WRITER = 1 << 30;
    private static final int WAITING = 1 << 29;
    private static final int PARKED = 1 << 28;
    private static final int READERS = PARKED - 1;
    private static final VarHandle RBIAS;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int TABLE_SLOTS = 1024;
    /** Longs per slot: 16 span 128 bytes, two cache lines (no false sharing with a neighbour's slot). */
    private static final int STRIDE = 16;
    /** Visible readers: a slot holds 0 (free), a lock's {@link #id}, or {@code ~id} (a revoker waits). */
    private static final long[] VISIBLE_READERS = new long[TABLE_SLOTS * STRIDE];
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    private static final int INHIBIT_FACTOR = 9;
    /** B and the writer's barrier before its scan (class comment; AsymmetricFence's notes). */
    private static final AsymmetricFence FENCE = AsymmetricFence.get();
    /** Constant-folded: reader records exist only when readers are asymmetric. */
    private static final boolean RECORDS_ON = FENCE.asymmetric();
    /** Reader records, one per thread-id slot (a power of two). */
    private static final int RECORDS = 256;
    /** Records a thread may use: its home record ({@code tid & (RECORDS - 1)}) and the ones after it. */
    private static final int PROBES = 4;
    /** In a record's stride: the lock id held through it (0: none). */
    private static final int HELD = 0;
    /** In a record's stride: the owner's thread id (0 while unowned), as Srcu's OWNER_TID. */
    private static final int OWNER_TID = 1;
    /** The records; a leading stride keeps record 0 off the array header. Empty unless RECORDS_ON. */
    private static final long[] READER_RECORDS = new long[RECORDS_ON ? (RECORDS + 1) * STRIDE : 0];
    /** Record owners (the owner cell is the id mirror the read side tests). */
    private static final Thread[] RECORD_OWNERS = new Thread[RECORDS_ON ? RECORDS : 0];
    private static final VarHandle RECORD_WAITER;
    private static final VarHandle RECORDS_USED;
    private static final java.util.concurrent.atomic.AtomicInteger HASHES = new java.util.concurrent.atomic.AtomicInteger();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RwLock.class, "state", int.class);
            RBIAS = MethodHandles.lookup().findVarHandle(RwLock.class, "rbias", boolean.class);
            RECORD_WAITER = MethodHandles.lookup().findVarHandle(RwLock.class, "recordWaiter", Thread.class);
            RECORDS_USED = MethodHandles.lookup().findVarHandle(RwLock.class, "recordsUsed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String readSite;
    private final String writeSite;
    private final Guard guard;
    private final boolean tracking;
    private final boolean sleeping;
    /** The guard's reader-stall timeout (0: no reports). */
    private final long stallNanos;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private Thread writer;
    /** Reader bias on: readers may take a visible-readers slot instead of the lock word. */
    @SuppressWarnings("unused") // accessed through RBIAS
    private volatile boolean rbias = true;
    /** nanoTime before which slow readers must not turn the bias back on; written by writers. */
    private volatile long inhibitUntil;
    /**
     * Slow-path reads, counted to space out the clock reads of the bias re-enable check. Plain
     * and racy on purpose: a lost increment only shifts when the clock is next read.
     */
    private int slowReads;
    private final int lockHash = HASHES.getAndAdd(0x61c88647);
    /** This lock's entry in the visible-readers table: positive, unique for the process's life. */
    private final long id = IDS.incrementAndGet();
    /**
     * The writer waiting for a table slot while revoking the bias (class comment). Written by
     * that writer before its marker CAS and read by the reader whose unlock CAS fails on the
     * marker, so the volatile CASes order it; only one writer revokes at a time (it holds the word).
     * Serves I3 under RWLOCK: the invalidation's write side may proceed only once the reader left.
     */
    private Thread revoker;
    /**
     * The writer about to park on a reader record (class comment), or null. Set by that writer
     * before its heavy() and re-read; read by every record unlock after its compiler barrier.
     */
    @SuppressWarnings("unused") // accessed through RECORD_WAITER
    private Thread recordWaiter;
    /** Some reader has used a record for this lock (class comment); never cleared. */
    @SuppressWarnings("unused") // accessed through RECORDS_USED
    private volatile boolean recordsUsed;
    /** Where waiters of the lock word sleep (class comment). */
    private final WaitQueue waiters = new WaitQueue();

    /**
     * How readers publish their reader bias, process-wide: {@link AsymmetricFence.ReaderFlavour#ASYMMETRIC}
     * when reader records run (an opaque store and a compiler barrier; the revoking writer pays
     * membarrier(2)), else {@link AsymmetricFence.ReaderFlavour#FENCED} (a CAS on a visible-readers
     * slot, whose full fence pairs with the revoking writer's fence before its scan). Class comment.
     */
    public AsymmetricFence.ReaderFlavour readerFlavour() {
        return FENCE.readerFlavour();
    }

    public RwLock(String name) {
        this(name, null);
    }

    public RwLock(String name, Guard guard) {
        this.name = KernelLock.requireName(name);
        this.readSite = name + " (read)";
        this.writeSite = name + " (write)";
        this.guard = guard == null ? Guard.processDefault() : guard;
        this.tracking = this.guard.tracking();
        this.sleeping = this.guard.sleepingSpinlocks();
        this.stallNanos = this.guard.readerStallNanos();
    }

    public String name() {
        return name;
    }

    /** True under PREEMPT_RT: acquisitions count as might-sleep. */
    public boolean sleeping() {
        return sleeping;
    }

    public void readLock() {
        readLock(null);
    }

    public void readLock(String site) {
        if (tracking && sleeping) {
            guard.rtLockMightResched(readSite, KernelSites.RT_READ_LOCK, "rt_read_lock");
        }
        int s = (int) STATE.getOpaque(this);
        // Acquire CAS: pairs with writeUnlock's setRelease (R3 readers see the last writer's state).
        if ((s & (WRITER | WAITING)) != 0 || !STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
            slowReadLock();
        }
        if (tracking) {
            recordAcquired(" (read)", site, "rt_read_lock");
        }
    }

    /** Guard bookkeeping once a side is taken (tracking only); see the class comment. */
    private void recordAcquired(String suffix, String site, String rtPrimitive) {
        ContextGuard.acquired(this, name, suffix, site, LockType.RWLOCK, !sleeping);
        if (sleeping) {
            ContextGuard.rtLockTaken(this, rtPrimitive);
        }
    }

    /** Guard bookkeeping on release (tracking only). */
    private void recordReleased() {
        if (sleeping) {
            ContextGuard.rtLockReleased(this);
        } else {
            ContextGuard.released(this, true);
        }
    }

    private void slowReadLock() {
        int step = 0;
        boolean interrupted = false;
        Thread me = Thread.currentThread();
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (WRITER | WAITING)) == 0) {
                if ((s & READERS) == READERS) {
                    throw new IllegalStateException("rwlock_t '" + name + "': too many readers");
                }
                // Acquire CAS: pairs with writeUnlock's getAndSet.
                if (STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
                    break;
                }
                continue;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
            } else {
                interrupted |= parkWhileBusy(me, WRITER | WAITING); // woken by writeUnlock
            }
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    /**
     * One sleep of WaitQueue's protocol on the lock word: register, re-read, and park only while
     * {@code (word & busy) != 0} and PARKED is (now) set. Returns whether an interrupt was seen.
     */
    private boolean parkWhileBusy(Thread me, int busy) {
        return parkWhileBusy(me, busy, 0);
    }

    /** As {@link #parkWhileBusy(Thread, int)}, waking by itself at {@code deadline} (0: never). */
    private boolean parkWhileBusy(Thread me, int busy, long deadline) {
        boolean interrupted = false;
        waiters.register(me);
        int s = (int) STATE.getVolatile(this); // after registering: see WaitQueue
        if ((s & busy) != 0 && ((s & PARKED) != 0 || STATE.compareAndSet(this, s, s | PARKED))) {
            interrupted = WaitQueue.parkUninterruptibly(this, deadline);
        }
        waiters.unregister(me);
        return interrupted;
    }

    /** Frees the whole word (writer unlock, a failed tryWriteLock) and wakes whoever sleeps on it. */
    private void releaseWord() {
        // Volatile RMW: the release that pairs with the next acquirer's acquire CAS, and it reads
        // PARKED atomically with freeing the word (WaitQueue's protocol).
        if (((int) STATE.getAndSet(this, 0) & PARKED) != 0) {
            waiters.wakeAll(); // pairs with the park in parkWhileBusy()
        }
    }

    /**
     * Takes the read side and returns a token for {@link #readUnlockToken}: while the bias is on,
     * the fast path (a reader record, {@code token < 0}, when readers are asymmetric; else a
     * visible-readers slot, {@code token > 0}), otherwise the lock word (token 0).
     */
    public int readLockToken() {
        if (tracking && sleeping) {
            guard.rtLockMightResched(readSite, KernelSites.RT_READ_LOCK, "rt_read_lock");
        }
        // Opaque: a stale true is caught by the re-check after the record store or the slot CAS.
        if ((boolean) RBIAS.getOpaque(this)) {
            if (RECORDS_ON) {
                int token = enterRecord();
                if (token != 0) {
                    if (tracking) {
                        recordAcquired(" (read)", null, "rt_read_lock");
                    }
                    return token;
                }
            }
            int slot = slotIndex();
            // Volatile CAS, a full fence: pairs with the fence in revokeBias() between clearing
            // rbias and scanning the table (store-buffering: the writer sees our slot or we see
            // rbias == false).
            if (SLOT.compareAndSet(VISIBLE_READERS, slot, 0L, id)) {
                if ((boolean) RBIAS.getVolatile(this)) {
                    if (tracking) {
                        recordAcquired(" (read)", null, "rt_read_lock");
                    }
                    return slot + 1;
                }
                // Back out as an unlock does: a revoking writer may have parked on this entry.
                leaveSlot(slot);
            }
        }
        int s = (int) STATE.getOpaque(this);
        // Acquire CAS: pairs with writeUnlock's setRelease.
        if ((s & (WRITER | WAITING)) != 0 || !STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
            slowReadLock();
        }
        // Holding the read side excludes writers, so no revocation can race this re-enable. The
        // clock is read on every 16th slow read only: System.nanoTime() costs ~30 ns on a VM,
        // more than the whole slow path, and every read after a writer takes this path until
        // the inhibition ends.
        if (!(boolean) RBIAS.getOpaque(this) && (++slowReads & 15) == 0 && System.nanoTime() - inhibitUntil >= 0) {
            RBIAS.setVolatile(this, true);
        }
        if (tracking) {
            recordAcquired(" (read)", null, "rt_read_lock");
        }
        return 0;
    }

    /**
     * The asymmetric fast path (class comment): publishes this lock in the current thread's own
     * reader record and re-checks the bias; returns the token ({@code -r}, r the record's offset),
     * or 0 when the record is not this thread's, is in use, or the bias went off meanwhile.
     */
    private int enterRecord() {
        Thread me = Thread.currentThread();
        long tid = me.getId();
        int r = (((int) tid & (RECORDS - 1)) + 1) * STRIDE;
        long[] recs = READER_RECORDS;
        // Opaque: untorn reads; our own id is in the owner cell only if we wrote it (claimRecord,
        // I3 as Srcu's OWNER_TID); HELD is written by its owner only, 0 by whoever unlocks.
        if ((long) SLOT.getOpaque(recs, r + OWNER_TID) != tid && (r = findRecord(me, tid, r)) == 0
                || (long) SLOT.getOpaque(recs, r + HELD) != 0L) {
            return 0;
        }
        if (!(boolean) RECORDS_USED.getOpaque(this)) {
            // Volatile store, a full fence, once per lock: pairs with the writer's fullFence and
            // its load of recordsUsed in revokeBias() (class comment; I3: a writer that reads it
            // false and skips the record scan is seen by our bias load below).
            RECORDS_USED.setVolatile(this, true);
        }
        // Opaque store, compiler barrier, then the bias load: pairs with heavy() between the
        // writer's rbias clear and its record scan in revokeBias() (store buffering, I3).
        SLOT.setOpaque(recs, r + HELD, id);
        AsymmetricFence.readerBarrier();
        // Acquire: the section's loads stay below this one, so a true read here came before the
        // writer's membarrier and its scan sees our record.
        if ((boolean) RBIAS.getAcquire(this)) {
            return -r;
        }
        leaveRecord(r); // as an unlock does: a revoking writer may sleep on this record
        return 0;
    }

    /**
     * The current thread's record when its home record {@code home} belongs to another thread:
     * the next {@link #PROBES} - 1 records are looked at for one it owns, then for one it can
     * claim (claimed only when none is owned, so a thread owns at most one at a time). 0: none.
     */
    private static int findRecord(Thread me, long tid, int home) {
        for (int k = 1; k < PROBES; k++) { // k = 0, the home record, was tested by enterRecord
            int r = probe(home, k);
            if ((long) SLOT.getOpaque(READER_RECORDS, r + OWNER_TID) == tid) {
                return r;
            }
        }
        for (int k = 0; k < PROBES; k++) {
            int r = probe(home, k);
            if (claimRecord(r, me)) {
                return r;
            }
        }
        return 0;
    }

    /** The {@code k}-th record after {@code home}, wrapping (offsets run STRIDE .. RECORDS * STRIDE). */
    private static int probe(int home, int k) {
        return ((home / STRIDE - 1 + k) & (RECORDS - 1)) * STRIDE + STRIDE;
    }

    /** Claims the reader record at {@code r} for {@code me} if it is free or its owner has died. */
    private static boolean claimRecord(int r, Thread me) {
        // A HELD a dead owner left stays, and blocks writers (the class comment's hazard).
        if (!ThreadIds.claim(RECORD_OWNERS, r / STRIDE - 1, me)) {
            return false;
        }
        // Opaque: only this thread tests for its own id (program order), as Srcu.claim (I3).
        SLOT.setOpaque(READER_RECORDS, r + OWNER_TID, me.getId());
        return true;
    }

    /**
     * Empties a reader record (unlock, or backing out) and wakes a writer that sleeps on it.
     */
    private void leaveRecord(int r) {
        // Release: the section's accesses happen-before a scan that reads the record empty
        // (pairs with the getAcquire in revokeBias()/awaitRecord(); I3).
        SLOT.setRelease(READER_RECORDS, r + HELD, 0L);
        // Compiler barrier, then the waiter load: pairs with awaitRecord()'s waiter store and
        // heavy() (store buffering, I6: no lost wake-up): it sees the record empty, or we see it
        // and wake it.
        AsymmetricFence.readerBarrier();
        Thread waiting = (Thread) RECORD_WAITER.getOpaque(this);
        if (waiting != null) {
            LockSupport.unpark(waiting); // pairs with the park in awaitRecord()
        }
    }

    /** Releases a read side taken with {@link #readLockToken}. */
    public void readUnlockToken(int token) {
        if (token == 0) {
            readUnlock();
            return;
        }
        if (token < 0) {
            int r = -token;
            if (!RECORDS_ON || r < STRIDE || r > RECORDS * STRIDE || (r & (STRIDE - 1)) != 0
                    || (long) SLOT.getOpaque(READER_RECORDS, r + HELD) != id) {
                throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock with a bad token " + token);
            }
            leaveRecord(r);
            if (tracking) {
                recordReleased();
            }
            return;
        }
        int slot = token - 1;
        if (slot < 0 || slot >= VISIBLE_READERS.length || !leaveSlot(slot)) {
            throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock with a bad token " + token);
        }
        if (tracking) {
            recordReleased();
        }
    }

    /**
     * Empties this lock's entry in table slot {@code slot}; false if the slot holds neither this
     * lock nor a writer waiting on it (a bad token). The release CAS orders the section's
     * accesses before a writer's scan that sees the slot empty (pairs with the getAcquire in
     * awaitSlot/revokeBias); failing on the marker {@code ~id} is the hand-off of the class comment.
     */
    private boolean leaveSlot(int slot) {
        long w = (long) SLOT.compareAndExchangeRelease(VISIBLE_READERS, slot, id, 0L);
        if (w == id) {
            return true;
        }
        if (w == ~id) {
            // The marker CAS (awaitSlot) happened-before our failed CAS read it, so revoker is the
            // waiting writer. Only that writer reads the slot now; release as above (I3).
            Thread waiting = revoker;
            SLOT.setRelease(VISIBLE_READERS, slot, 0L);
            LockSupport.unpark(waiting); // pairs with the park in awaitSlot()
            return true;
        }
        return false;
    }

    private int slotIndex() {
        return slotIndex(Thread.currentThread());
    }

    private int slotIndex(Thread t) {
        // Mix thread and lock fully (murmur3's finaliser): a plain sum would send thread n+1 on
        // lock k+1 to the same slot as thread n on lock k, since the two constants cancel.
        int h = (int) t.getId() * 0x9E3779B9 ^ lockHash;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return (h & (TABLE_SLOTS - 1)) * STRIDE;
    }

    /**
     * With the lock word held for writing: turns the bias off and waits for readers in the table.
     * Without {@code wait}, gives up (false, bias left on) instead of waiting for a reader inside.
     * Invariant: while the bias is off no slot of the table names this lock.
     */
    private boolean revokeBias(boolean wait) {
        return revokeBias(wait, 0);
    }

    /**
     * As {@link #revokeBias(boolean)}; with {@code wait}, gives up at {@code deadline} (0: never):
     * the bias is then restored, as without {@code wait}, and the caller gives the word back.
     */
    private boolean revokeBias(boolean wait, long deadline) {
        if (!(boolean) RBIAS.getOpaque(this)) {
            return true;
        }
        long start = System.nanoTime();
        RBIAS.setVolatile(this, false);
        // Full fence: pairs with the readers' slot CAS (see readLockToken), and with the volatile
        // recordsUsed store of a reader's first record use (class comment).
        VarHandle.fullFence();
        // Volatile: read after the fence above (store buffering with enterRecord's first use, I3).
        if (RECORDS_ON && (boolean) RECORDS_USED.getVolatile(this)) {
            // heavy() = membarrier(2): pairs with the compiler barrier between a reader's record
            // store and its bias load (enterRecord; AsymmetricFence's notes).
            FENCE.heavy();
            for (int r = STRIDE; r <= RECORDS * STRIDE; r += STRIDE) {
                // Acquire: pairs with the release store in leaveRecord().
                if ((long) SLOT.getAcquire(READER_RECORDS, r + HELD) == id && (!wait || !awaitRecord(r, deadline))) {
                    // As for the table below: "bias off" must mean "no reader of this lock inside".
                    RBIAS.setVolatile(this, true);
                    return false;
                }
            }
        }
        for (int i = 0; i < VISIBLE_READERS.length; i += STRIDE) {
            // Acquire: pairs with the setRelease in readUnlockToken.
            if ((long) SLOT.getAcquire(VISIBLE_READERS, i) == id) {
                if (!wait) {
                    // Restore the bias before giving the lock word back: "bias off" must mean
                    // "no reader of this lock in the table", or a later writer would skip the scan.
                    RBIAS.setVolatile(this, true);
                    return false;
                }
                if (!awaitSlot(i, deadline)) {
                    RBIAS.setVolatile(this, true); // as above: the reader is still in the table
                    return false;
                }
            }
        }
        long now = System.nanoTime();
        inhibitUntil = now + INHIBIT_FACTOR * Math.max(now - start, 1_000);
        return true;
    }

    /**
     * With the write side claimed and the bias off: waits until the reader in record {@code r}
     * has left. Spins, then announces itself in {@link #recordWaiter}, calls heavy() and parks
     * until the reader's unlock unparks it (class comment); uninterruptible, the interrupt
     * restored. False if {@code deadline} (0: never) passed first.
     */
    private boolean awaitRecord(int r, long deadline) {
        int step = 0;
        boolean interrupted = false;
        boolean gone = false;
        StallClock clock = null;
        for (;;) {
            // Acquire: pairs with the release store in leaveRecord().
            if ((long) SLOT.getAcquire(READER_RECORDS, r + HELD) != id) {
                gone = true;
                break;
            }
            if (StallClock.expired(deadline)) {
                break;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
                continue;
            }
            if (clock == null) {
                clock = new StallClock(stallNanos);
                // Opaque store, heavy(), then the re-read at the loop's top: pairs with
                // leaveRecord()'s release store, compiler barrier and waiter load (I6).
                RECORD_WAITER.setOpaque(this, Thread.currentThread());
                FENCE.heavy();
                continue;
            }
            // Woken by the reader's leaveRecord(), or at the next stall report / the deadline.
            interrupted |= WaitQueue.parkUninterruptibly(this, clock.parkDeadline(deadline));
            if (clock.due()) {
                reportStall(clock, "revoking the reader bias", recordReaders(r), false, null);
            }
        }
        if (clock != null) {
            RECORD_WAITER.setOpaque(this, null); // a late unpark from a reader is harmless: every park here re-tests
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return gone;
    }

    /** Who is in reader record {@code r} (diagnostics only). */
    private static List<String> recordReaders(int r) {
        int i = r / STRIDE - 1;
        Thread owner = ThreadIds.owner(RECORD_OWNERS, i);
        return List.of(owner != null && owner.isAlive()
                ? "thread '" + owner.getName() + "' (alive; its reader record " + i + ")"
                : "a reader in reader record " + i + " whose thread ended inside its read section");
    }

    /**
     * With the write side claimed and the bias off: waits until the reader in table slot
     * {@code i} has left. Spins, then swaps the slot for the marker {@code ~id} and parks until
     * the reader's unlock unparks it (class comment); uninterruptible, the interrupt restored.
     */
    private boolean awaitSlot(int i, long deadline) {
        int step = 0;
        boolean interrupted = false;
        boolean gone = false;
        boolean marked = false;
        long marker = ~id;
        StallClock clock = null;
        for (;;) {
            // Acquire: pairs with the release CAS/store in leaveSlot().
            long o = (long) SLOT.getAcquire(VISIBLE_READERS, i);
            if (o != id && (!marked || o != marker)) {
                gone = true;
                break;
            }
            if (StallClock.expired(deadline)) {
                // Give up: hand the slot back to the reader (if it left meanwhile, it is empty).
                if (marked) {
                    SLOT.compareAndSet(VISIBLE_READERS, i, marker, id);
                }
                gone = (long) SLOT.getAcquire(VISIBLE_READERS, i) != id;
                break;
            }
            if (o == id) {
                if (Backoff.spinning(step)) {
                    step = Backoff.pause(step);
                    continue;
                }
                if (!marked) {
                    marked = true;
                    // Plain: published by the volatile marker CAS below, which the reader's failing
                    // CAS in leaveSlot() reads (I3: the reader's wake-up reaches this writer).
                    revoker = Thread.currentThread();
                    clock = new StallClock(stallNanos);
                }
                if (!SLOT.compareAndSet(VISIBLE_READERS, i, id, marker)) {
                    continue; // the reader left meanwhile: re-test
                }
            }
            // Woken by the reader's leaveSlot(), or at the next stall report / the deadline.
            interrupted |= WaitQueue.parkUninterruptibly(this, clock.parkDeadline(deadline));
            if (clock.due()) {
                reportStall(clock, "revoking the reader bias", slotReaders(i), false, null);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return gone;
    }

    /** The live threads whose visible-readers hash for this lock is {@code slot} (diagnostics only). */
    private List<String> slotReaders(int slot) {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (slotIndex(t) == slot) {
                out.add("thread '" + t.getName() + "' (alive; its visible-readers slot " + slot / STRIDE + ")");
            }
        }
        if (out.isEmpty()) {
            out.add("a reader in visible-readers slot " + slot / STRIDE
                    + " that no live thread hashes to: its thread ended inside its read section");
        }
        return out;
    }

    /** Who holds the read side: table readers (by slot) and lock-word readers (counted only). */
    private List<String> readerDiagnostics() {
        List<String> out = new ArrayList<>();
        for (int r = STRIDE; r <= RECORDS * STRIDE && RECORDS_ON; r += STRIDE) {
            if ((long) SLOT.getOpaque(READER_RECORDS, r + HELD) == id) {
                out.addAll(recordReaders(r));
            }
        }
        for (int i = 0; i < VISIBLE_READERS.length; i += STRIDE) {
            long o = (long) SLOT.getAcquire(VISIBLE_READERS, i);
            if (o == id || o == ~id) {
                out.addAll(slotReaders(i));
            }
        }
        int n = readers();
        if (n > 0) {
            List<String> holders = ContextGuard.threadsHolding(this);
            out.add(n + " reader(s) on the lock word" + (holders.isEmpty()
                    ? " (no identity: the guard's policy is OFF, or the thread is gone)"
                    : "; by their lock context, held by thread(s) '" + String.join("', '", holders) + "'"));
        }
        return out;
    }

    private void reportStall(StallClock clock, String what, List<String> readers, boolean gaveUp, String detail) {
        guard.readerStall(new ReaderStallReport(name, "write_lock (" + what + ")", Thread.currentThread().getName(),
                clock.waitedMillis(), readers, guard.openSectionSites(), gaveUp, detail));
    }

    public boolean tryReadLock() {
        int s = (int) STATE.getOpaque(this);
        if ((s & (WRITER | WAITING)) != 0 || !STATE.compareAndSet(this, s, s + 1)) {
            return false;
        }
        if (tracking) {
            recordAcquired(" (read)", null, "rt_read_trylock");
        }
        return true;
    }

    public void readUnlock() {
        for (;;) {
            int s = (int) STATE.getOpaque(this);
            if ((s & READERS) == 0) {
                throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock without read_lock");
            }
            if ((s & PARKED) != 0 && (s & READERS) == 1) {
                // The last reader out and somebody sleeps (a writer waiting for the drain, readers
                // behind it): clear PARKED in a volatile CAS and wake them (WaitQueue's protocol).
                if (STATE.compareAndSet(this, s, (s - 1) & ~PARKED)) {
                    waiters.wakeAll(); // pairs with the park in parkWhileBusy()
                    break;
                }
                continue;
            }
            // Release CAS: the reader's accesses happen-before a writer's acquire that sees the
            // count drop. A CAS, not an add-and-undo, so an unmatched unlock never disturbs the word.
            if (STATE.weakCompareAndSetRelease(this, s, s - 1)) {
                break;
            }
        }
        if (tracking) {
            recordReleased();
        }
    }

    public void writeLock() {
        writeLock(null);
    }

    public void writeLock(String site) {
        if (tracking && sleeping) {
            guard.rtLockMightResched(writeSite, KernelSites.RT_WRITE_LOCK, "rt_write_lock");
        }
        // Fast path: an idle lock goes straight to WRITER. Acquire CAS pairs with the release
        // of the previous holder(s).
        if (!STATE.compareAndSet(this, 0, WRITER)) {
            slowWriteLock();
        }
        revokeBias(true);
        writer = Thread.currentThread();
        if (tracking) {
            recordAcquired(" (write)", site, "rt_write_lock");
        }
    }

    /**
     * {@code write_lock_irq()}: under PREEMPT_NONE, {@code local_irq_disable()} then the write
     * side, so a report inside shows irqs_disabled(): 1; under PREEMPT_RT, rwlock_rt.h maps it to
     * plain {@code rt_write_lock()}: interrupts stay on. Release with {@link #writeUnlockIrq()}.
     */
    /**
     * {@code read_lock_irq()}: under PREEMPT_NONE {@code local_irq_disable()} then the read side;
     * under PREEMPT_RT ({@code rwlock_rt.h}) just {@code rt_read_lock}, irqs stay on.
     */
    public void readLockIrq(String site) {
        boolean irqOff = tracking && !sleeping;
        if (irqOff) {
            ContextGuard.localIrqDisable();
        }
        try {
            readLock(site);
        } catch (RuntimeException | Error e) {
            if (irqOff) {
                ContextGuard.localIrqEnable();
            }
            throw e;
        }
    }

    /** {@code read_unlock_irq()}: the read side, then (PREEMPT_NONE) {@code local_irq_enable()}. */
    public void readUnlockIrq() {
        readUnlock();
        if (tracking && !sleeping) {
            ContextGuard.localIrqEnable();
        }
    }

    public void writeLockIrq(String site) {
        boolean irqOff = tracking && !sleeping;
        if (irqOff) {
            ContextGuard.localIrqDisable();
        }
        try {
            writeLock(site);
        } catch (RuntimeException | Error e) {
            if (irqOff) {
                ContextGuard.localIrqEnable();
            }
            throw e;
        }
    }

    /** {@code write_unlock_irq()}: the write side, then (PREEMPT_NONE) {@code local_irq_enable()}. */
    public void writeUnlockIrq() {
        writeUnlock();
        if (tracking && !sleeping) {
            ContextGuard.localIrqEnable();
        }
    }

    private void slowWriteLock() {
        slowWriteLock(0);
    }

    /** The two steps of the class comment; false (nothing held) if {@code deadline} (0: never) passed first. */
    private boolean slowWriteLock(long deadline) {
        boolean[] interrupted = new boolean[1];
        try {
            return claimAndDrain(deadline, interrupted);
        } finally {
            if (interrupted[0]) {
                Thread.currentThread().interrupt(); // uninterruptible: restore what the parks cleared
            }
        }
    }

    private boolean claimAndDrain(long deadline, boolean[] interrupted) {
        int step = 0;
        Thread me = Thread.currentThread();
        // Step 1: claim WAITING so that new readers back off.
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & (WRITER | WAITING)) == 0) {
                if (STATE.compareAndSet(this, s, s | WAITING)) {
                    break;
                }
                continue;
            }
            if (StallClock.expired(deadline)) {
                return false;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
            } else {
                interrupted[0] |= parkWhileBusy(me, WRITER | WAITING, deadline); // woken by writeUnlock
            }
        }
        // Step 2: wait for the readers to drain; the acquire CAS pairs with their release CAS.
        // PARKED stays set if it was: writeUnlock then wakes the readers that slept behind us.
        step = 0;
        StallClock clock = null;
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & READERS) == 0) {
                if (STATE.compareAndSet(this, s, (s & PARKED) | WRITER)) {
                    return true;
                }
                continue;
            }
            if (StallClock.expired(deadline)) {
                abandonWaiting();
                return false;
            }
            if (Backoff.spinning(step)) {
                step = Backoff.pause(step);
                continue;
            }
            if (clock == null) {
                clock = new StallClock(stallNanos);
            }
            // Woken by the last readUnlock, or at the next stall report / the deadline.
            interrupted[0] |= parkWhileBusy(me, READERS, clock.parkDeadline(deadline));
            if (clock.due()) {
                reportStall(clock, "waiting for the readers to drain", readerDiagnostics(), false, null);
            }
        }
    }

    /** A writer giving up in step 2: withdraws WAITING and wakes whoever slept behind it. */
    private void abandonWaiting() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            // Volatile CAS: reads PARKED atomically with the change (WaitQueue's protocol).
            if (STATE.compareAndSet(this, s, s & ~(WAITING | PARKED))) {
                if ((s & PARKED) != 0) {
                    waiters.wakeAll();
                }
                return;
            }
        }
    }

    /**
     * As {@link #writeLock(String)}, but gives up after {@code timeoutNanos}: false, nothing held.
     * Giving up because readers stay inside is reported as a {@link ReaderStallReport} with
     * {@code gaveUp} set and {@code leakDetail} (what the caller leaks) as its detail. For
     * {@code Vm.close()}, which must finish in bounded time.
     */
    public boolean tryWriteLock(String site, long timeoutNanos, String leakDetail) {
        if (tracking && sleeping) {
            guard.rtLockMightResched(writeSite, KernelSites.RT_WRITE_LOCK, "rt_write_lock");
        }
        StallClock clock = new StallClock(0);
        long deadline = StallClock.deadlineIn(timeoutNanos);
        if (!STATE.compareAndSet(this, 0, WRITER) && !slowWriteLock(deadline)) {
            reportStall(clock, site, readerDiagnostics(), true, leakDetail);
            return false;
        }
        if (!revokeBias(true, deadline)) {
            List<String> readers = readerDiagnostics();
            releaseWord();
            reportStall(clock, site, readers, true, leakDetail);
            return false;
        }
        writer = Thread.currentThread();
        if (tracking) {
            recordAcquired(" (write)", site, "rt_write_lock");
        }
        return true;
    }

    /** Never sleeps and never counts as might-sleep: used where blocking is not allowed (R10). */
    public boolean tryWriteLock() {
        return tryWriteLock(null);
    }

    public boolean tryWriteLock(String site) {
        int s = (int) STATE.getOpaque(this);
        if ((s & ~PARKED) != 0 || !STATE.compareAndSet(this, s, s | WRITER)) {
            return false;
        }
        if (!revokeBias(false)) {
            releaseWord(); // a fast-path reader is inside: give the lock word back
            return false;
        }
        writer = Thread.currentThread();
        if (tracking) {
            recordAcquired(" (write)", site, "rt_write_trylock");
        }
        return true;
    }

    public void writeUnlock() {
        if (writer != Thread.currentThread()) {
            throw new IllegalMonitorStateException("rwlock_t '" + name + "' write-unlocked by "
                    + Thread.currentThread().getName() + ", which does not hold the write side");
        }
        writer = null;
        if (tracking) {
            recordReleased();
        }
        // Pairs with the acquire CAS of the next reader or writer; wakes sleepers (releaseWord).
        releaseWord();
    }

    public boolean isWriteLocked() {
        return ((int) STATE.getOpaque(this) & WRITER) != 0;
    }

    public boolean isWriteLockedByCurrentThread() {
        return writer == Thread.currentThread();
    }

    /** True while readers may take the visible-readers fast path (diagnostics). */
    public boolean readerBiased() {
        return (boolean) RBIAS.getOpaque(this);
    }

    public int readers() {
        return (int) STATE.getOpaque(this) & READERS;
    }

    @Override
    public String toString() {
        return "rwlock_t(" + name + ")";
    }
}
