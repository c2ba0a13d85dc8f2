package org.pfncache.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.pfncache.guard.ContextGuard;
import org.pfncache.guard.Guard;
import org.pfncache.guard.KernelSites;
import org.pfncache.guard.LockType;

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
 * <p>Algorithm: one int word. Bits 0..28 count readers, {@link #WAITING} is set by a writer that
 * has claimed the lock and waits for readers to drain (new readers back off, so writers are not
 * starved, as qrwlock does for process-context readers), {@link #WRITER} marks the held write
 * side. Writers therefore take the lock in two steps: claim WAITING, then turn WAITING into
 * WRITER once the reader count is zero.
 *
 * <p>Reader bias (BRAVO, Dice and Kogan, USENIX ATC 2019). While {@link #rbias} is set, a reader
 * that uses the token API ({@link #readLockToken()}) publishes itself in one slot of a process-wide
 * table of visible readers, hashed by thread and lock, instead of writing the shared lock word, so
 * readers on different cores never write the same cache line. A writer first takes the lock word
 * as usual (which stops new readers of either kind), then revokes the bias: it clears rbias,
 * issues a full fence and waits until no table slot names this lock. Revocation costs a table
 * scan, so the bias stays off for nine times as long as the last revocation took; a reader on the
 * slow path turns it back on once that time has passed.
 *
 * <p>Publication, by {@link #readerFlavour()} ({@link AsymmetricFence}, process-wide). Fenced: the
 * slot is {@code hash(thread, lock)}, shared by whoever hashes there, so the reader claims it with
 * a CAS, whose full fence orders the claim before its re-check of rbias (store buffering with the
 * writer's clear-fence-scan). Asymmetric: each table row is owned by one thread (claimed by CAS
 * once, like Srcu's slots; a thread whose row has another live owner uses the lock word), and a
 * lock's readers use the column {@code lockHash >>> 27} of their own row, so the owner publishes
 * with an opaque store, a compiler barrier and an acquire re-check of rbias: no atomic and no
 * fence. The writer clears rbias, calls {@link AsymmetricFence#heavy()} (membarrier(2): every
 * running reader executes a full barrier) and scans that column; the argument is in
 * AsymmetricFence's notes. Only the owner sets a slot and only the holder's unlock clears it.
 *
 * <p>Ordering: every acquisition is an acquire CAS and every release a release operation
 * ({@code getAndAddRelease} for readers, {@code setRelease} for the writer); each acquire pairs
 * with the releases of the previous holders, so a reader sees everything the last writer wrote
 * and a writer sees everything written before the readers it drained left.
 */
public final class RwLock {
    private static final VarHandle STATE;
    private static final int WRITER = 1 << 30;
    private static final int WAITING = 1 << 29;
    private static final int READERS = WAITING - 1;
    private static final VarHandle RBIAS;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final int TABLE_SLOTS = 1024;
    /** References per slot: 32 compressed references span 128 bytes, two cache lines. */
    private static final int STRIDE = 32;
    private static final Object[] VISIBLE_READERS = new Object[TABLE_SLOTS * STRIDE];
    /** Asymmetric flavour: the thread that owns each row of the table (claimed by CAS, read opaque). */
    private static final Thread[] ROW_OWNERS = new Thread[TABLE_SLOTS];
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final AsymmetricFence FENCE = AsymmetricFence.get();
    private static final boolean ASYMMETRIC = FENCE.asymmetric();
    private static final int INHIBIT_FACTOR = 9;
    private static final java.util.concurrent.atomic.AtomicInteger HASHES = new java.util.concurrent.atomic.AtomicInteger();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RwLock.class, "state", int.class);
            RBIAS = MethodHandles.lookup().findVarHandle(RwLock.class, "rbias", boolean.class);
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
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private Thread writer;
    /** Reader bias on: readers may take a visible-readers slot instead of the lock word. */
    @SuppressWarnings("unused") // accessed through RBIAS
    private volatile boolean rbias = true;
    /** nanoTime before which slow readers must not turn the bias back on; written by writers. */
    private volatile long inhibitUntil;
    private final int lockHash = HASHES.getAndAdd(0x61c88647);
    /** The table column a writer scans: this lock's own when asymmetric, 0 (hashed rows) when fenced. */
    private final int column = ASYMMETRIC ? lockHash >>> 27 : 0;

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
        for (;;) {
            int s = (int) STATE.getOpaque(this);
            if ((s & (WRITER | WAITING)) == 0) {
                if ((s & READERS) == READERS) {
                    throw new IllegalStateException("rwlock_t '" + name + "': too many readers");
                }
                if (STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
                    return;
                }
            }
            step = Backoff.pause(step);
        }
    }

    /**
     * Takes the read side and returns a token for {@link #readUnlockToken}: the fast path (a
     * visible-readers slot, token > 0) while the bias is on, else the lock word (token 0).
     */
    public int readLockToken() {
        if (tracking && sleeping) {
            guard.rtLockMightResched(readSite, KernelSites.RT_READ_LOCK, "rt_read_lock");
        }
        // Opaque: a stale true is caught by the re-check after publishing.
        if (ASYMMETRIC) {
            int slot = (boolean) RBIAS.getOpaque(this) ? ownedSlot() : -1;
            if (slot >= 0 && SLOT.getOpaque(VISIBLE_READERS, slot) == null) {
                // Only this thread sets this slot. The compiler barrier keeps the re-check after
                // the store; revokeBias's heavy() supplies the hardware half (AsymmetricFence).
                SLOT.setOpaque(VISIBLE_READERS, slot, this);
                AsymmetricFence.readerBarrier();
                // Acquire: a true written by a slow reader brings the last writer's release.
                if ((boolean) RBIAS.getAcquire(this)) {
                    if (tracking) {
                        recordAcquired(" (read)", null, "rt_read_lock");
                    }
                    return slot + 1;
                }
                SLOT.setRelease(VISIBLE_READERS, slot, null);
            }
        } else if ((boolean) RBIAS.getOpaque(this)) {
            int slot = slotIndex();
            // Volatile CAS, a full fence: pairs with the fence in revokeBias() between clearing
            // rbias and scanning the table (store-buffering: the writer sees our slot or we see
            // rbias == false).
            if (SLOT.compareAndSet(VISIBLE_READERS, slot, null, this)) {
                if ((boolean) RBIAS.getVolatile(this)) {
                    if (tracking) {
                        recordAcquired(" (read)", null, "rt_read_lock");
                    }
                    return slot + 1;
                }
                SLOT.setRelease(VISIBLE_READERS, slot, null);
            }
        }
        int s = (int) STATE.getOpaque(this);
        // Acquire CAS: pairs with writeUnlock's setRelease.
        if ((s & (WRITER | WAITING)) != 0 || !STATE.weakCompareAndSetAcquire(this, s, s + 1)) {
            slowReadLock();
        }
        // Holding the read side excludes writers, so no revocation can race this re-enable.
        if (!(boolean) RBIAS.getOpaque(this) && System.nanoTime() - inhibitUntil >= 0) {
            RBIAS.setVolatile(this, true);
        }
        if (tracking) {
            recordAcquired(" (read)", null, "rt_read_lock");
        }
        return 0;
    }

    /** Releases a read side taken with {@link #readLockToken}. */
    public void readUnlockToken(int token) {
        if (token == 0) {
            readUnlock();
            return;
        }
        int slot = token - 1;
        if (slot < 0 || slot >= VISIBLE_READERS.length || SLOT.getOpaque(VISIBLE_READERS, slot) != this) {
            throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock with a bad token " + token);
        }
        if (tracking) {
            recordReleased();
        }
        // Release: the section's accesses happen-before a writer's scan that sees the slot empty
        // (pairs with the getAcquire in revokeBias).
        SLOT.setRelease(VISIBLE_READERS, slot, null);
    }

    /** Asymmetric flavour: this thread's slot for this lock, or -1 if its row has another live owner. */
    private int ownedSlot() {
        Thread me = Thread.currentThread();
        int row = (int) me.getId() & (TABLE_SLOTS - 1);
        if (OWNER.getOpaque(ROW_OWNERS, row) != me) {
            Thread owner = (Thread) OWNER.getVolatile(ROW_OWNERS, row);
            // A dead owner sets nothing any more; a slot it left set stays until its unlock.
            if (owner != null && owner.isAlive() || !OWNER.compareAndSet(ROW_OWNERS, row, owner, me)) {
                return -1;
            }
        }
        return row * STRIDE + column;
    }

    private int slotIndex() {
        // Mix thread and lock fully (murmur3's finaliser): a plain sum would send thread n+1 on
        // lock k+1 to the same slot as thread n on lock k, since the two constants cancel.
        int h = (int) Thread.currentThread().getId() * 0x9E3779B9 ^ lockHash;
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
        if (!(boolean) RBIAS.getOpaque(this)) {
            return true;
        }
        long start = System.nanoTime();
        RBIAS.setVolatile(this, false);
        // Pairs with the readers' slot CAS, or (asymmetric) their compiler barrier: a full fence,
        // or membarrier(2) (see readLockToken and the class notes).
        FENCE.heavy();
        for (int i = column; i < VISIBLE_READERS.length; i += STRIDE) {
            // Acquire: pairs with the setRelease in readUnlockToken.
            if (SLOT.getAcquire(VISIBLE_READERS, i) == this) {
                if (!wait) {
                    // Restore the bias before giving the lock word back: "bias off" must mean
                    // "no reader of this lock in the table", or a later writer would skip the scan.
                    RBIAS.setVolatile(this, true);
                    return false;
                }
                int step = 0;
                while (SLOT.getAcquire(VISIBLE_READERS, i) == this) {
                    step = Backoff.pause(step);
                }
            }
        }
        long now = System.nanoTime();
        inhibitUntil = now + INHIBIT_FACTOR * Math.max(now - start, 1_000);
        return true;
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
        int s;
        do {
            s = (int) STATE.getOpaque(this);
            if ((s & READERS) == 0) {
                throw new IllegalMonitorStateException("rwlock_t '" + name + "': read_unlock without read_lock");
            }
            // Release CAS: the reader's accesses happen-before a writer's acquire that sees the
            // count drop. A CAS, not an add-and-undo, so an unmatched unlock never disturbs the word.
        } while (!STATE.weakCompareAndSetRelease(this, s, s - 1));
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
        int step = 0;
        // Step 1: claim WAITING so that new readers back off.
        for (;;) {
            int s = (int) STATE.getOpaque(this);
            if ((s & (WRITER | WAITING)) == 0 && STATE.weakCompareAndSet(this, s, s | WAITING)) {
                break;
            }
            step = Backoff.pause(step);
        }
        // Step 2: wait for the readers to drain; acquire pairs with their getAndAddRelease.
        step = 0;
        while (!STATE.weakCompareAndSetAcquire(this, WAITING, WRITER)) {
            step = Backoff.pause(step);
        }
    }

    /** Never sleeps and never counts as might-sleep: used where blocking is not allowed (R10). */
    public boolean tryWriteLock() {
        return tryWriteLock(null);
    }

    public boolean tryWriteLock(String site) {
        if ((int) STATE.getOpaque(this) != 0 || !STATE.compareAndSet(this, 0, WRITER)) {
            return false;
        }
        if (!revokeBias(false)) {
            STATE.setRelease(this, 0); // a fast-path reader is inside: give the lock word back
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
        // Release store: pairs with the acquire CAS of the next reader or writer.
        STATE.setRelease(this, 0);
    }

    public boolean isWriteLocked() {
        return ((int) STATE.getOpaque(this) & WRITER) != 0;
    }

    public boolean isWriteLockedByCurrentThread() {
        return writer == Thread.currentThread();
    }

    /** How fast-path readers publish (see the class notes); process-wide. */
    public AsymmetricFence.ReaderFlavour readerFlavour() {
        return FENCE.readerFlavour();
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
