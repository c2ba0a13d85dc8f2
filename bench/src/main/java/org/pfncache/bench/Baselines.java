package org.pfncache.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.PfnCache;
import org.pfncache.host.KernelMapping;

/**
 * In-run baselines for {@link HotPath}: the same unit of work — check a published descriptor
 * (valid, offset fits 8 bytes) and read 8 bytes of a 4 KiB page — under the synchronisation of
 * well-known JDK and textbook read sides. Run in the same JMH run as HotPath, the ratios between
 * them are what the targets (see {@link BenchRunner}) are stated in.
 *
 * <p><b>Measures</b>, in ns per read; at two threads every structure is shared by both threads
 * (read-only data, one lock), except the per-thread epoch slots:
 * <ul>
 * <li>{@code plain}: plain, unsynchronised fields; a {@code byte[]} page read with a plain
 *     little-endian view. The floor.</li>
 * <li>{@code volatileSnapshot}: one volatile load of an immutable descriptor.</li>
 * <li>{@code stampedOptimistic}: {@link StampedLock#tryOptimisticRead()} / {@code validate}
 *     around plain loads (a seqlock); falls back to the read lock if validation fails (never,
 *     since nothing writes).</li>
 * <li>{@code stampedReadLock}, {@code rrwlReadLock}: {@link StampedLock#readLock()} and
 *     {@link ReentrantReadWriteLock} read lock (two atomic read-modify-writes on a shared word,
 *     plus, for RRWL, its per-thread hold count).</li>
 * <li>{@code fencedEpoch}: a bare per-thread epoch reader: its own padded slot, incremented
 *     (odd: inside) with a full fence on entry, a release store (even: outside) on exit; the
 *     descriptor through a volatile load. The physical price SRCU's reader pays.</li>
 * <li>{@code plainMapped}: {@code plain}, but the 8 bytes are read through the simulated host's
 *     {@link KernelMapping} (its KASAN-like allocation check: two opaque loads and a compare).
 *     The difference to {@code plain} is what the simulation adds to every PfnCache read.</li>
 * <li>{@code khvaRead}: {@code Khva.getLong(0)} on the khva of a checked cache, outside any
 *     section: the cost of the API's Khva layer plus the simulated memory's check (see
 *     {@link HotPathParts} for the other layers).</li>
 * <li>{@code rawRwlock}, {@code rawSrcu}, {@code rawSeqcount}: each strategy's read protocol as
 *     bare VarHandle code with no guard, no Section object and no Khva layer, over a descriptor
 *     with the fields PfnCache's check() reads (active, valid, gpa, memslot generation compared
 *     with the live one, offset) and a KernelMapping read. They mirror core's read sides as of
 *     this writing — RWLOCK: the reader-biased fast path (CAS of a visible-readers slot, volatile
 *     re-read of the bias, release store on exit); SRCU: an owned per-thread slot (owner check,
 *     plain increment, full fence; release store on exit); SEQCOUNT: that SRCU section around
 *     read_seqcount_begin/retry — and must follow them when a strategy's protocol changes.
 *     "Guard OFF indistinguishable from no guard" is judged as {@code HotPath(guard=OFF) / raw*}:
 *     an upper bound on the guard's cost, since the ratio also contains the Section and Khva
 *     layers.</li>
 * </ul>
 *
 * <p><b>Avoids</b>: dead-code elimination (every read returns its value to JMH); constant
 * folding and hoisting (all inputs are {@code @State} fields, re-read per call behind JMH's
 * volatile loop check); false sharing (epoch and raw-SRCU slots are 128 bytes apart, as are the
 * visible-reader slots; the lock and sequence words live in their own objects, apart from the
 * descriptors the readers load).
 *
 * <p><b>Reproduce</b> (after building): {@code java -jar bench/target/benchmarks.jar 'Baselines' -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class Baselines {
    static final VarHandle PAGE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per slot: 128 bytes, two cache lines (against adjacent-line prefetch). */
    static final int STRIDE = 16;
    static final int MAX_THREADS = 64;
    private static final int LEN = Guest.LEN;
    private static final int PAGE = Guest.PAGE;

    /** The immutable descriptor of the floor baselines. */
    static final class Snapshot {
        final boolean valid;
        final int offset;
        final byte[] page;

        Snapshot(boolean valid, int offset, byte[] page) {
            this.valid = valid;
            this.offset = offset;
            this.page = page;
        }
    }

    /** What PfnCache's check() reads, for the raw protocol replicas. */
    static final class RawState {
        final boolean active;
        final boolean valid;
        final long gpa;
        final long generation;
        final int offset;
        final KernelMapping mapping;

        RawState(boolean active, boolean valid, long gpa, long generation, int offset, KernelMapping mapping) {
            this.active = active;
            this.valid = valid;
            this.gpa = gpa;
            this.generation = generation;
            this.offset = offset;
            this.mapping = mapping;
        }
    }

    /**
     * A reader-biased lock's read side with the bias always on (no writer ever): a table of
     * visible-reader slots shared by all such locks, and the bias flag in the lock's own object.
     */
    static final class BiasedLock {
        static final VarHandle RBIAS;
        static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
        /** 1024 slots of 32 references: 128 bytes apart with compressed references. */
        static final int SLOT_STRIDE = 32;
        static final Object[] VISIBLE_READERS = new Object[1024 * SLOT_STRIDE];

        static {
            try {
                RBIAS = MethodHandles.lookup().findVarHandle(BiasedLock.class, "rbias", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through RBIAS
        private volatile boolean rbias = true;
        private final int lockHash = System.identityHashCode(this);

        int slotIndex() {
            int h = (int) Thread.currentThread().getId() * 0x9E3779B9 + lockHash;
            return ((h ^ (h >>> 16)) & 1023) * SLOT_STRIDE;
        }
    }

    /** A seqcount (even: no writer), in its own object. */
    static final class Sequence {
        static final VarHandle SEQ;

        static {
            try {
                SEQ = MethodHandles.lookup().findVarHandle(Sequence.class, "seq", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through SEQ
        private volatile int seq;
    }

    @State(Scope.Benchmark)
    public static class Data {
        private static final VarHandle RAW;
        private static final VarHandle ACTIVE_IDX;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                RAW = l.findVarHandle(Data.class, "raw", RawState.class);
                ACTIVE_IDX = l.findVarHandle(Data.class, "activeIdx", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        boolean valid;
        int offset;
        byte[] page;
        volatile Snapshot snapshot;
        StampedLock stamped;
        ReentrantReadWriteLock.ReadLock rrwlRead;
        long[] epochs;

        Guest guest;
        KernelMapping mapping;
        @SuppressWarnings("unused") // accessed through RAW
        private volatile RawState raw;
        @SuppressWarnings("unused") // accessed through ACTIVE_IDX
        private volatile int activeIdx;
        BiasedLock biasedLock;
        Sequence sequence;
        long[] srcuCounters;
        Thread[] srcuOwners;
        Khva khva;

        @Setup(Level.Trial)
        public void setUp() {
            page = new byte[PAGE];
            PAGE_LONGS.set(page, 0, Guest.signature(0));
            valid = true;
            offset = 0;
            snapshot = new Snapshot(true, 0, page);
            stamped = new StampedLock();
            rrwlRead = new ReentrantReadWriteLock().readLock();
            epochs = new long[(MAX_THREADS + 1) * STRIDE];

            guest = new Guest(InvalidationStrategy.rwlock(), GuardPolicy.OFF, 1, 64);
            mapping = guest.vm.memory().kmap(guest.vm.mm().pfn(Guest.hva(0)));
            RAW.setRelease(this, new RawState(true, true, Guest.gpa(0), guest.vm.memslots().generation(), 0, mapping));
            biasedLock = new BiasedLock();
            sequence = new Sequence();
            srcuCounters = new long[(MAX_THREADS + 1) * STRIDE];
            srcuOwners = new Thread[MAX_THREADS];
            PfnCache cache = guest.cacheOn(0);
            try (PfnCache.Section s = cache.enter()) {
                if (!s.check(LEN)) {
                    throw new IllegalStateException("a fresh cache failed check()");
                }
                khva = s.khva();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            guest.vm.memory().kunmap(mapping);
            guest.close();
        }

        RawState lvRaw() {
            return (RawState) RAW.getAcquire(this);
        }

        int lvActiveIdx() {
            return (int) ACTIVE_IDX.getOpaque(this);
        }
    }

    /** The thread's own slot in the epoch and raw-SRCU arrays; it owns the raw-SRCU slot. */
    @State(Scope.Thread)
    public static class Slot {
        int index;
        int base;

        @Setup(Level.Trial)
        public void setUp(Data d, ThreadParams thread) {
            index = thread.getThreadIndex();
            if (index >= MAX_THREADS) {
                throw new IllegalStateException("at most " + MAX_THREADS + " threads");
            }
            base = (index + 1) * STRIDE; // slot 0's stride keeps it off the array header
            d.srcuOwners[index] = Thread.currentThread();
        }
    }

    private static long readPlain(boolean valid, int offset, byte[] page) {
        return valid && LEN <= PAGE - offset ? (long) PAGE_LONGS.get(page, offset) : -1;
    }

    /** PfnCache's check (R3) on the replica descriptor, then the mapped read. */
    private static long readRaw(RawState s, Data d) {
        return s.valid && s.active && (s.gpa == -1 || s.generation == d.guest.vm.memslots().generation())
                && LEN <= PAGE - s.offset ? s.mapping.getLong(s.offset) : -1;
    }

    @Benchmark
    public long plain(Data d) {
        return readPlain(d.valid, d.offset, d.page);
    }

    @Benchmark
    public long volatileSnapshot(Data d) {
        Snapshot s = d.snapshot;
        return readPlain(s.valid, s.offset, s.page);
    }

    @Benchmark
    public long stampedOptimistic(Data d) {
        StampedLock lock = d.stamped;
        long stamp = lock.tryOptimisticRead();
        long v = readPlain(d.valid, d.offset, d.page);
        if (lock.validate(stamp)) {
            return v;
        }
        stamp = lock.readLock();
        try {
            return readPlain(d.valid, d.offset, d.page);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Benchmark
    public long stampedReadLock(Data d) {
        StampedLock lock = d.stamped;
        long stamp = lock.readLock();
        try {
            return readPlain(d.valid, d.offset, d.page);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Benchmark
    public long rrwlReadLock(Data d) {
        ReentrantReadWriteLock.ReadLock lock = d.rrwlRead;
        lock.lock();
        try {
            return readPlain(d.valid, d.offset, d.page);
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long fencedEpoch(Data d, Slot slot) {
        long[] epochs = d.epochs;
        int i = slot.base;
        long e = (long) SLOTS.getOpaque(epochs, i);
        SLOTS.setOpaque(epochs, i, e + 1);
        // Entry: the slot store must be visible before the descriptor is read (StoreLoad), as a
        // grace-period scan that misses the slot relies on the reader seeing the writer's store.
        VarHandle.fullFence();
        Snapshot s = d.snapshot;
        long v = readPlain(s.valid, s.offset, s.page);
        // Exit: release, so the section's loads complete before the slot says "outside".
        SLOTS.setRelease(epochs, i, e + 2);
        return v;
    }

    @Benchmark
    public long plainMapped(Data d) {
        KernelMapping m = d.mapping;
        int off = d.offset;
        return d.valid && LEN <= PAGE - off ? m.getLong(off) : -1;
    }

    @Benchmark
    public long khvaRead(Data d) {
        return d.khva.getLong(0);
    }

    @Benchmark
    public long rawRwlock(Data d) {
        BiasedLock lock = d.biasedLock;
        Object[] table = BiasedLock.VISIBLE_READERS;
        int slot = lock.slotIndex();
        // The bias is never revoked here, so the fast path always succeeds: a CAS of the slot (a
        // full fence, pairing with a writer's fence before its scan), then the bias re-read.
        if ((boolean) BiasedLock.RBIAS.getOpaque(lock) && BiasedLock.SLOT.compareAndSet(table, slot, null, lock)
                && (boolean) BiasedLock.RBIAS.getVolatile(lock)) {
            long v = readRaw(d.lvRaw(), d);
            BiasedLock.SLOT.setRelease(table, slot, null);
            return v;
        }
        throw new IllegalStateException("reader bias lost without a writer");
    }

    /** srcu_read_lock on an owned slot: owner check, plain increment, full fence. Returns the counter index. */
    private static int srcuEnter(Data d, Slot slot) {
        if (d.srcuOwners[slot.index] != Thread.currentThread()) {
            throw new IllegalStateException("slot " + slot.index + " is not this thread's");
        }
        long[] ctrs = d.srcuCounters;
        int at = slot.base + d.lvActiveIdx();
        SLOTS.setOpaque(ctrs, at, (long) SLOTS.get(ctrs, at) + 1);
        // srcu_read_lock's smp_mb(): the count before the section's loads (store buffering with a scan).
        VarHandle.fullFence();
        return at;
    }

    /** srcu_read_unlock on the owned slot: a release store of the unlock count. */
    private static void srcuExit(Data d, int lockAt) {
        long[] ctrs = d.srcuCounters;
        int at = lockAt + 2;
        SLOTS.setRelease(ctrs, at, (long) SLOTS.get(ctrs, at) + 1);
    }

    @Benchmark
    public long rawSrcu(Data d, Slot slot) {
        int at = srcuEnter(d, slot);
        long v = readRaw(d.lvRaw(), d);
        srcuExit(d, at);
        return v;
    }

    @Benchmark
    public long rawSeqcount(Data d, Slot slot) {
        Sequence q = d.sequence;
        int at = srcuEnter(d, slot);
        try {
            for (;;) {
                int start = (int) Sequence.SEQ.getAcquire(q);
                if ((start & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                long v = readRaw(d.lvRaw(), d);
                // read_seqcount_retry: the section's loads before the re-read.
                VarHandle.loadLoadFence();
                if ((int) Sequence.SEQ.getOpaque(q) == start) {
                    return v;
                }
            }
        } finally {
            srcuExit(d, at);
        }
    }
}
