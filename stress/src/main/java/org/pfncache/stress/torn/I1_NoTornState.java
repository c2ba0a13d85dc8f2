package org.pfncache.stress.torn;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * I1, no torn state, on the one branch of R4 where tearing is possible at all: the offset-only
 * refresh. The cache stays valid on the same page with the same mapping; only gpa, uhva and the
 * khva offset change, in one publish, with no invalidation and no retry loop around it. So the
 * single publish of a whole state is the only thing that keeps a reader from seeing the new
 * gpa/uhva with the old khva offset, or the reverse.
 *
 * <p>The race. Page 0 holds {@link #OLD_SIGNATURE} at {@link #OLD_OFFSET} and
 * {@link #NEW_SIGNATURE} at {@link #NEW_OFFSET}. The cache is active on gpa(0) + OLD_OFFSET; the
 * writer activates it on gpa(0) + NEW_OFFSET (R1 on an active cache: the offset-only branch of
 * R4). The reader polls, up to {@link #POLLS} read sections, until a section shows anything new;
 * each section loads gpa() (g1), passes check(), loads the word at khva offset 0 (k: which
 * offset the khva has), loads uhva() (g2, its page offset) and calls validate(). Polling makes
 * the short reader span the writer's publish instead of running wholly before or after it.
 *
 * <p>Outcomes (g1, k, g2, validated, window): g1/k/g2 are 1 for the old offset, 2 for the new, 3
 * for anything else (k 0: check() failed, impossible here); validated 1 or 0 (a SEQCOUNT section
 * that raced the writer); window 1 when at least one all-old section came before the reported
 * one (the reader spanned the publish: the witness). Every strategy must report one state:
 * {@code 1, 1, 1} (the poll budget ran out first) or {@code 2, 2, 2}. SRCU readers do not exclude
 * the writer, and gpa()/uhva() load the state afresh, so a publish between two loads of one
 * section is legal there, but only forwards: {@code 1, 1, 2} and {@code 1, 2, 2}. A khva that
 * disagrees with a later gpa/uhva in the backward direction, or reads neither signature, is torn.
 * SEQCOUNT may discard any section ({@code ., ., ., 0}); a validated one must be consistent.
 * RWLOCK-TRY is RWLOCK here (no invalidation). The broken control
 * {@code negative.I1Model_FieldByField_Broken} runs the same reader against a state stored field
 * by field.
 *
 * <p>Nothing is retired (the mapping stays), so no Vm starts a thread; Vms are left to the GC.
 */
@Description("I1: a reader sees the gpa/uhva and khva offset of one refresh while an offset-only refresh moves the cache within its page.")
@Outcome(id = "1, 1, 1, 1, 0", expect = Expect.ACCEPTABLE, desc = "the old state in every section: the poll budget ran out before the publish")
@Outcome(id = "2, 2, 2, 1, [01]", expect = Expect.ACCEPTABLE, desc = "the new state, whole")
@Outcome(expect = Expect.FORBIDDEN, desc = "torn: one state's gpa/uhva with another's khva offset, or a khva reading neither signature")
@Witness(value = "., ., ., 1, 1", what = "the reader polled across the publish (an old section, then a new one)")
public class I1_NoTornState {
    public static final int OLD_OFFSET = 0x100;
    public static final int NEW_OFFSET = 0x208;
    public static final long OLD_SIGNATURE = 0x01d0_0000_0000_0100L;
    public static final long NEW_SIGNATURE = 0x0e30_0000_0000_0208L;
    static final int POLLS = 256;

    /** 1 old offset, 2 new, 3 other. */
    public static int offsetClass(long addr) {
        int off = (int) (addr & (PfnCache.PAGE_SIZE - 1));
        return off == OLD_OFFSET ? 1 : off == NEW_OFFSET ? 2 : 3;
    }

    /** 1 the old signature, 2 the new, 3 other. */
    public static int wordClass(long v) {
        return v == OLD_SIGNATURE ? 1 : v == NEW_SIGNATURE ? 2 : 3;
    }

    /** The polling reader, shared with the control's model: one section's (g1, k, g2, validated). */
    public interface Sections {
        /** Fills r1..r4 from one read section. */
        void section(IIIII_Result r);
    }

    /** Polls until a section shows anything but the old state; fills the witness field r5. */
    public static void poll(Sections s, IIIII_Result r) {
        int oldSections = 0;
        for (int i = 0; i < POLLS; i++) {
            s.section(r);
            if (r.r1 != 1 || r.r2 != 1 || r.r3 != 1 || r.r4 != 1) {
                r.r5 = oldSections > 0 ? 1 : 0;
                return;
            }
            oldSections++;
        }
        r.r5 = 0;
    }

    public abstract static class Scenario implements Sections {
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            Vm vm = TinyVm.build(strategy);
            vm.mm().writeLong(TinyVm.hva(0) + OLD_OFFSET, OLD_SIGNATURE);
            vm.mm().writeLong(TinyVm.hva(0) + NEW_OFFSET, NEW_SIGNATURE);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0) + OLD_OFFSET, Long.BYTES);
        }

        /** R1 on the active, valid cache, same page: R4's offset-only branch, one publish. */
        protected void move() {
            cache.activate(TinyVm.gpa(0) + NEW_OFFSET, Long.BYTES);
        }

        @Override
        public void section(IIIII_Result r) {
            try (PfnCache.Section s = cache.enter()) {
                r.r1 = offsetClass(cache.gpa());
                r.r2 = s.check(Long.BYTES) ? wordClass(s.khva().getLong(0)) : 0;
                r.r3 = offsetClass(cache.uhva());
                r.r4 = s.validate() ? 1 : 0;
            }
        }

        protected void read(IIIII_Result r) {
            poll(this, r);
        }
    }

    @JCStressTest
    @JCStressMeta(I1_NoTornState.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void writer() {
            move();
        }

        @Actor
        public void reader(IIIII_Result r) {
            read(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I1_NoTornState.class)
    @Outcome(id = {"1, 1, 2, 1, [01]", "1, 2, 2, 1, [01]"}, expect = Expect.ACCEPTABLE, desc = "SRCU: the publish fell between two loads of the section, forwards")
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void writer() {
            move();
        }

        @Actor
        public void reader(IIIII_Result r) {
            read(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I1_NoTornState.class)
    @Outcome(id = "., ., ., 0, [01]", expect = Expect.ACCEPTABLE, desc = "SEQCOUNT: the section raced the writer and validate() discarded it")
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void writer() {
            move();
        }

        @Actor
        public void reader(IIIII_Result r) {
            read(r);
        }
    }
}
