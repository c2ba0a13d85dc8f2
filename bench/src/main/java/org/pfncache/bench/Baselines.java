package org.pfncache.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.Khva;
import org.pfncache.Memslots;
import org.pfncache.PfnCache;
import org.pfncache.host.KernelMapping;
import org.pfncache.sync.AsymmetricFence;
import org.pfncache.sync.Srcu;

/**
 * In-run baselines for {@link HotPath}: <em>the same work as a section</em> under other
 * synchronisation. Every baseline runs the same body and only the synchronisation around it
 * differs:
 * <ol>
 * <li>load a {@link Desc}, a CacheState-shaped immutable descriptor (active, valid, gpa, uhva,
 *     memslot generation, pfn, offset, mapping) published by one reference;</li>
 * <li>R3, PfnCache's check: active, valid, gpa-based so its generation must equal the live
 *     {@code vm.memslots().generation()} (the real Memslots, the same volatile load check()
 *     makes), and offset + 8 fits the page;</li>
 * <li>an 8-byte read through a {@link Mapping}: a replica of the simulated host's
 *     {@link KernelMapping} — bounds check, then (with {@code detector=true}) the
 *     use-after-free detector's opaque "unmapped" load and opaque allocation-id compare — and a
 *     little-endian long view of the page.</li>
 * </ol>
 *
 * <p><b>Measures</b>, in ns per read (parameter {@code detector}: the replica's allocation-id
 * detector on or off; at two threads every structure is shared by both threads, except the
 * per-thread epoch and SRCU slots):
 * <ul>
 * <li>{@code plain}: the descriptor in a plain field. The floor.</li>
 * <li>{@code volatileDesc}: one volatile load of the descriptor (PfnCache's own publication).</li>
 * <li>{@code stampedOptimistic}: {@link StampedLock#tryOptimisticRead()} / {@code validate}
 *     around the plain body (a seqlock), read-lock fallback (never taken: nothing writes).</li>
 * <li>{@code stampedRead}, {@code rrwl}: {@link StampedLock#readLock()} and
 *     {@link ReentrantReadWriteLock}'s read lock around the plain body.</li>
 * <li>{@code fencedEpoch}: a bare per-thread epoch reader: its own padded slot, incremented with a
 *     full fence on entry and a release store on exit, the descriptor through a volatile load.
 *     The physical price an SRCU reader pays.</li>
 * <li>{@code asymmetricEpoch}: {@code fencedEpoch} with {@code AsymmetricFence.readerBarrier()}
 *     in place of the full fence: a compiler barrier on Java 22+ with membarrier registered (the
 *     asymmetric epoch reader), the same full fence otherwise.</li>
 * <li>{@code srcu}: the exported {@link Srcu#readLock()} / {@link Srcu#readUnlock(int)} around the
 *     plain body.</li>
 * <li>{@code kernelMapping}: {@code plain}, but through the real {@link KernelMapping} instead of
 *     the replica (checks that the replica costs what the original costs; the original always has
 *     its detector, so compare with {@code plain} at {@code detector=true}).</li>
 * <li>{@code khvaRead}: {@code Khva.getLong(0)} of a checked cache, outside any section: the API's
 *     Khva layer over the real mapping.</li>
 * <li>{@code rawRwlock}, {@code rawSrcu}, {@code rawSeqcount}: each built-in strategy's read
 *     protocol as bare VarHandle code (no guard, no Section object, no Khva layer) around the same
 *     body. They mirror core's read sides as of this writing and must follow them when a
 *     protocol changes; {@code HotPath / raw*} bounds what the guard (OFF) and the API layers
 *     cost.</li>
 * </ul>
 *
 * <p><b>Avoids</b>: dead-code elimination (every read returns its value to JMH); constant folding
 * and hoisting (all inputs are {@code @State} fields, re-read per call behind JMH's loop check;
 * the generation is the live Memslots' volatile field); baselines doing less than the section (the
 * same R3 check, the same generation load, the same detector, the same byte-array view); false
 * sharing (epoch and SRCU slots 128 bytes apart; lock and sequence words in their own objects).
 * Nothing writes during a run, so every optimistic read validates.
 *
 * <p><b>Reproduce</b> (from the repository root):
 * <pre>
 * ./pfncache bench quick 'Baselines' -f 3 -wi 3 -w 1s -i 5 -r 1s
 * ./pfncache bench smoke 'BaselinesT1.fencedEpoch' -p detector=true     # mechanics only
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class Baselines {
    static final VarHandle PAGE_LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per slot: 128 bytes, two cache lines (against adjacent-line prefetch). */
    static final int STRIDE = 16;
    static final int MAX_THREADS = 64;
    private static final int LEN = Guest.LEN;
    private static final int PAGE = Guest.PAGE;

    /** The replica's physical memory: the allocation id of every page, as PhysicalMemory keeps them. */
    static final class Memory {
        static final VarHandle IDS = MethodHandles.arrayElementVarHandle(long[].class);
        final long[] ids;
        final LongAdder stale = new LongAdder();

        Memory(int pages) {
            ids = new long[pages];
        }

        boolean isCurrent(int pfn, long allocId) {
            return (long) IDS.getOpaque(ids, pfn) == allocId;
        }
    }

    /**
     * A replica of {@link KernelMapping}'s read: bounds check, then (detector on) the opaque
     * "unmapped" test and the opaque allocation-id compare, counting a stale access; then the
     * little-endian view of the page. With the detector off only the bounds check remains.
     */
    static final class Mapping {
        private static final VarHandle UNMAPPED;

        static {
            try {
                UNMAPPED = MethodHandles.lookup().findVarHandle(Mapping.class, "unmapped", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Memory memory;
        private final int pfn;
        private final byte[] page;
        private final long allocId;
        private final boolean detector;
        @SuppressWarnings("unused") // accessed through UNMAPPED
        private volatile boolean unmapped;

        Mapping(Memory memory, int pfn, byte[] page, long allocId, boolean detector) {
            this.memory = memory;
            this.pfn = pfn;
            this.page = page;
            this.allocId = allocId;
            this.detector = detector;
        }

        long getLong(int offset) {
            if (offset < 0 || offset > PAGE - Long.BYTES) {
                throw new IndexOutOfBoundsException("offset " + offset);
            }
            if (detector) {
                if ((boolean) UNMAPPED.getOpaque(this)) {
                    throw new IllegalStateException("access after kunmap");
                }
                if (!memory.isCurrent(pfn, allocId)) {
                    memory.stale.increment();
                }
            }
            return (long) PAGE_LONGS.get(page, offset);
        }
    }

    /** CacheState's fields, immutable, published by one reference. */
    static final class Desc {
        final boolean active;
        final boolean valid;
        final long gpa;
        final long uhva;
        final long generation;
        final long pfn;
        final int offset;
        final Mapping mapping;

        Desc(boolean active, boolean valid, long gpa, long uhva, long generation, long pfn, int offset, Mapping mapping) {
            this.active = active;
            this.valid = valid;
            this.gpa = gpa;
            this.uhva = uhva;
            this.generation = generation;
            this.pfn = pfn;
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
        static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
        /** 1024 slots of 16 longs: 128 bytes apart. Lock ids, not references, as RwLock's table. */
        static final int SLOT_STRIDE = 16;
        static final long[] VISIBLE_READERS = new long[1024 * SLOT_STRIDE];
        private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

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
        final long id = IDS.incrementAndGet();

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
        private static final VarHandle ACTIVE_IDX;

        static {
            try {
                ACTIVE_IDX = MethodHandles.lookup().findVarHandle(Data.class, "activeIdx", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Whether the replica mapping runs the simulated memory's use-after-free detector. */
        @Param({"true", "false"})
        public boolean detector;

        /** The descriptor, plain field (plain, StampedLock, RRWL and Srcu baselines read this one). */
        Desc plainDesc;
        /** The same descriptor, volatile (volatileDesc and fencedEpoch). */
        volatile Desc volatileDesc;
        Memslots memslots;
        StampedLock stamped;
        ReentrantReadWriteLock.ReadLock rrwlRead;
        long[] epochs;
        Srcu srcu;

        Guest guest;
        KernelMapping kernelMapping;
        Khva khva;
        @SuppressWarnings("unused") // accessed through ACTIVE_IDX
        private volatile int activeIdx;
        BiasedLock biasedLock;
        Sequence sequence;
        long[] srcuCounters;
        Thread[] srcuOwners;

        @Setup(Level.Trial)
        public void setUp() {
            guest = new Guest(InvalidationStrategy.rwlock(), GuardPolicy.OFF, 1, 64);
            memslots = guest.vm.memslots();
            long pfn = guest.vm.mm().pfn(Guest.hva(0));
            byte[] page = new byte[PAGE];
            PAGE_LONGS.set(page, 0, Guest.signature(0));
            Memory memory = new Memory(64);
            memory.ids[(int) pfn] = 7;
            Mapping mapping = new Mapping(memory, (int) pfn, page, 7, detector);
            Desc desc = new Desc(true, true, Guest.gpa(0), Guest.hva(0), memslots.generation(), pfn, 0, mapping);
            plainDesc = desc;
            volatileDesc = desc;
            stamped = new StampedLock();
            rrwlRead = new ReentrantReadWriteLock().readLock();
            epochs = new long[(MAX_THREADS + 1) * STRIDE];
            srcu = new Srcu("bench-baseline");

            kernelMapping = guest.vm.memory().kmap(pfn);
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
            if (body(desc, memslots) != Guest.signature(0) || kernelMapping.getLong(0) != Guest.signature(0)) {
                throw new IllegalStateException("the baseline does not read the page's signature");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            srcu.close();
            guest.vm.memory().kunmap(kernelMapping);
            guest.close();
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

    /** R3 on the descriptor (PfnCache.check's expression), then the 8-byte read. -1: check failed. */
    static long body(Desc s, Memslots memslots) {
        return s.valid && s.active && (s.gpa == PfnCache.INVALID_GPA || s.generation == memslots.generation())
                && LEN <= PAGE - s.offset ? s.mapping.getLong(s.offset) : -1;
    }

    @Benchmark
    public long plain(Data d) {
        return body(d.plainDesc, d.memslots);
    }

    @Benchmark
    public long volatileDesc(Data d) {
        return body(d.volatileDesc, d.memslots);
    }

    @Benchmark
    public long stampedOptimistic(Data d) {
        StampedLock lock = d.stamped;
        long stamp = lock.tryOptimisticRead();
        long v = body(d.plainDesc, d.memslots);
        if (lock.validate(stamp)) {
            return v;
        }
        stamp = lock.readLock();
        try {
            return body(d.plainDesc, d.memslots);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Benchmark
    public long stampedRead(Data d) {
        StampedLock lock = d.stamped;
        long stamp = lock.readLock();
        try {
            return body(d.plainDesc, d.memslots);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Benchmark
    public long rrwl(Data d) {
        ReentrantReadWriteLock.ReadLock lock = d.rrwlRead;
        lock.lock();
        try {
            return body(d.plainDesc, d.memslots);
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
        long v = body(d.volatileDesc, d.memslots);
        // Exit: release, so the section's loads complete before the slot says "outside".
        SLOTS.setRelease(epochs, i, e + 2);
        return v;
    }

    /**
     * {@link #fencedEpoch} with the process's reader barrier in place of the full fence: on Java
     * 22+ with membarrier registered it is a compiler barrier only (the asymmetric epoch reader,
     * whose writer would pay membarrier(2)); otherwise it is the same full fence.
     */
    @Benchmark
    public long asymmetricEpoch(Data d, Slot slot) {
        long[] epochs = d.epochs;
        int i = slot.base;
        long e = (long) SLOTS.getOpaque(epochs, i);
        SLOTS.setOpaque(epochs, i, e + 1);
        // Entry: AsymmetricFence.readerBarrier(), paired with a writer's heavy() (its class notes).
        AsymmetricFence.readerBarrier();
        long v = body(d.volatileDesc, d.memslots);
        // Exit: release, as fencedEpoch.
        SLOTS.setRelease(epochs, i, e + 2);
        return v;
    }

    @Benchmark
    public long srcu(Data d) {
        Srcu srcu = d.srcu;
        int token = srcu.readLock();
        try {
            return body(d.plainDesc, d.memslots);
        } finally {
            srcu.readUnlock(token);
        }
    }

    @Benchmark
    public long kernelMapping(Data d) {
        Desc s = d.plainDesc;
        KernelMapping m = d.kernelMapping;
        return s.valid && s.active && (s.gpa == PfnCache.INVALID_GPA || s.generation == d.memslots.generation())
                && LEN <= PAGE - s.offset ? m.getLong(s.offset) : -1;
    }

    @Benchmark
    public long khvaRead(Data d) {
        return d.khva.getLong(0);
    }

    @Benchmark
    public long rawRwlock(Data d) {
        BiasedLock lock = d.biasedLock;
        long[] table = BiasedLock.VISIBLE_READERS;
        int slot = lock.slotIndex();
        // The bias is never revoked here, so the fast path always succeeds: a CAS of the slot (a
        // full fence, pairing with a writer's fence before its scan), then the bias re-read.
        if ((boolean) BiasedLock.RBIAS.getOpaque(lock) && BiasedLock.SLOT.compareAndSet(table, slot, 0L, lock.id)
                && (boolean) BiasedLock.RBIAS.getVolatile(lock)) {
            long v = body(d.volatileDesc, d.memslots);
            BiasedLock.SLOT.setRelease(table, slot, 0L);
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
        long v = body(d.volatileDesc, d.memslots);
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
                long v = body(d.volatileDesc, d.memslots);
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
