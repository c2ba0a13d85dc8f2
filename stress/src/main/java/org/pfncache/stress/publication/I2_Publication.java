package org.pfncache.stress.publication;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * I2, publication: a reader that passes check() sees the page contents written before the refresh
 * that published the mapping.
 *
 * <p>The race. The cache is active and valid on gpa(0) + {@link #OLD_OFFSET}, where page 0 holds
 * {@link #OLD_MARK}; the word at {@link #NEW_OFFSET} is zero. The writer stores
 * {@link #CONTENTS} at NEW_OFFSET (a plain userspace store through the host page table), then
 * activates the cache on gpa(0) + NEW_OFFSET: R4's offset-only branch, one short publish with no
 * fault, no map and no invalidation. The content store is ordered before the reader's load only
 * by that publish (the release store of the state, or the write side the reader's read side
 * excludes): the reader synchronises with nothing else the writer touched (it takes no host lock,
 * and the memory's use-after-free detector orders nothing). The reader polls read sections, up
 * to {@link #POLLS}, until one shows the new offset: then its load through khva must see the
 * contents, never the zero that was there before. A SEQCOUNT section that fails validate() is
 * discarded and the reader polls on, as R7 would re-run it.
 *
 * <p>Outcomes (reader, window): reader 0 the poll budget ran out on the old offset, 1 the new
 * offset with the contents, 2 the new offset with the zero from before the store (FORBIDDEN: the
 * mapping was visible before the contents written ahead of its publication), 3 anything else
 * (FORBIDDEN); window 1 when the reader saw the old offset first (it spanned the publish: the
 * witness). RWLOCK-TRY is RWLOCK here. The broken control
 * {@code negative.I2_ContentsAfterPublish_Broken} stores the contents after the publish.
 *
 * <p>Nothing is retired (same page, same mapping), so no Vm starts a thread; Vms are left to the GC.
 */
@Description("I2: a reader that sees the newly published state sees the contents stored before the publish.")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "the poll budget ran out before the publish")
@Outcome(id = "1, [01]", expect = Expect.ACCEPTABLE, desc = "published: the contents are visible")
@Outcome(id = "2, [01]", expect = Expect.FORBIDDEN, desc = "the new offset before the contents written ahead of its publication")
@Outcome(expect = Expect.FORBIDDEN, desc = "neither the contents nor the old zero")
@Witness(value = "1, 1", what = "the reader polled across the publish and saw the contents")
public class I2_Publication {
    public static final int OLD_OFFSET = 0x100;
    public static final int NEW_OFFSET = 0x340;
    public static final long OLD_MARK = 0x01d0_0000_0000_0100L;
    public static final long CONTENTS = 0x0b11_5bed_0000_0340L;
    static final int POLLS = 256;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            vm.mm().writeLong(TinyVm.hva(0) + OLD_OFFSET, OLD_MARK);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0) + OLD_OFFSET, Long.BYTES);
        }

        /** The contents, then the publish: the order under test. */
        protected void writeThenPublish() {
            storeContents();
            publish();
        }

        /** The broken order of the control: the publish, then the contents. */
        protected void publishThenWrite() {
            publish();
            storeContents();
        }

        private void storeContents() {
            vm.mm().writeLong(TinyVm.hva(0) + NEW_OFFSET, CONTENTS);
        }

        /** R1 on the active, valid cache, same page: R4's offset-only branch. */
        private void publish() {
            cache.activate(TinyVm.gpa(0) + NEW_OFFSET, Long.BYTES);
        }

        protected void read(II_Result r) {
            boolean sawOld = false;
            for (int i = 0; i < POLLS; i++) {
                try (PfnCache.Section s = cache.enter()) {
                    if (!s.check(Long.BYTES)) {
                        continue;
                    }
                    long v = s.khva().getLong(0);
                    if (!s.validate()) {
                        continue;
                    }
                    if (v == OLD_MARK) {
                        sawOld = true;
                        continue;
                    }
                    r.r1 = v == CONTENTS ? 1 : v == 0 ? 2 : 3;
                    r.r2 = sawOld ? 1 : 0;
                    return;
                }
            }
            r.r1 = 0;
            r.r2 = 0;
        }
    }

    @JCStressTest
    @JCStressMeta(I2_Publication.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void writer() {
            writeThenPublish();
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I2_Publication.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void writer() {
            writeThenPublish();
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I2_Publication.class)
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void writer() {
            writeThenPublish();
        }

        @Actor
        public void reader(II_Result r) {
            read(r);
        }
    }
}
