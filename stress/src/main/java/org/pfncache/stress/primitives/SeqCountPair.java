package org.pfncache.stress.primitives;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.infra.results.JJ_Result;
import org.pfncache.sync.RawSpinLock;
import org.pfncache.sync.SeqCount;

/**
 * A pair of longs protected by a {@link SeqCount} (a {@code seqcount_raw_spinlock_t}), shared by
 * the correctness test and its negative control ({@code negative.SeqCount_NoRetry_Broken}).
 *
 * <p>The writer runs {@link #SECTIONS} write sections; section k stores k into {@code a}, then into
 * {@code b}. A reader loads {@code a}, then {@code b}: the pair it accepts must come from one
 * section, {@code (k, k)}. Both fields are accessed opaque, as SeqCount's class comment requires
 * (READ_ONCE/WRITE_ONCE in the kernel), so only the seqcount's own fences order them.
 */
public class SeqCountPair {
    /** Write sections per state: more sections, more section boundaries for a reader to straddle. */
    public static final int SECTIONS = 4;

    private static final VarHandle A;
    private static final VarHandle B;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            A = l.findVarHandle(SeqCountPair.class, "a", long.class);
            B = l.findVarHandle(SeqCountPair.class, "b", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RawSpinLock lock = new RawSpinLock("pair->lock", Primitives.GUARD);
    private final SeqCount seq = new SeqCount(lock);
    @SuppressWarnings("unused") // accessed through A
    private long a;
    @SuppressWarnings("unused") // accessed through B
    private long b;

    /** write_seqcount_begin/end under the associated lock, {@link #SECTIONS} times. */
    protected void write() {
        for (long k = 1; k <= SECTIONS; k++) {
            lock.lock();
            try {
                seq.writeBegin();
                A.setOpaque(this, k);
                B.setOpaque(this, k);
                seq.writeEnd();
            } finally {
                lock.unlock();
            }
        }
    }

    /** read_seqcount_begin, the loads, read_seqcount_retry; loops until a section did not intervene. */
    protected void read(JJ_Result r) {
        long x;
        long y;
        int start;
        do {
            start = seq.readBegin();
            x = (long) A.getOpaque(this);
            y = (long) B.getOpaque(this);
        } while (seq.readRetry(start));
        r.r1 = x;
        r.r2 = y;
    }

    /** Negative control (a): read_seqcount_begin and the loads, but the retry is never checked. */
    protected void readWithoutRetry(JJ_Result r) {
        seq.readBegin();
        r.r1 = (long) A.getOpaque(this);
        r.r2 = (long) B.getOpaque(this);
    }
}
