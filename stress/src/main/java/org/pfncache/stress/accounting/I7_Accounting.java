package org.pfncache.stress.accounting;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;
import org.pfncache.Vm;
import org.pfncache.stress.TinyVm;
import org.pfncache.stress.Witness;

/**
 * I7, accounting: every map has its unmap, and nothing written through the cache lands in a freed
 * page.
 *
 * <p>The race. A vCPU writes a word through the R7 loop ({@code PfnCache.write}: enter, check,
 * refresh when it fails, store through khva) while the host migrates the page; a refresh after
 * the migration maps the new page and retires the old mapping. The arbiter closes the Vm, which
 * deactivates the cache and waits for the deferred unmaps, then audits the host memory.
 *
 * <p>Outcomes (mapped, freed writes, leaked): mapped 1 if any kernel mapping is still live after
 * close ({@code pagesMapped != 0}); freed writes 1 if a write landed in a freed page
 * ({@code writesToFreedPages != 0}); leaked 1 if an allocated page is referenced by no page-table
 * entry. {@code 0, 0, 0} is the only acceptable outcome for RWLOCK and SRCU. For SEQCOUNT a write
 * into the freed page is its documented hazard (ACCEPTABLE_INTERESTING, the witness), but a live
 * mapping or a leak is FORBIDDEN for it too.
 */
@Description("I7: after the Vm closes, no kernel mapping is live, no page leaked, no write landed in a freed page.")
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "every mapping unmapped, nothing written into a freed page, nothing leaked")
@Outcome(id = "1, ., .", expect = Expect.FORBIDDEN, desc = "a kernel mapping is still live after close")
@Outcome(id = "., ., 1", expect = Expect.FORBIDDEN, desc = "a page leaked")
@Outcome(expect = Expect.FORBIDDEN, desc = "a write through the cache landed in a freed page")
public class I7_Accounting {
    static final long VALUE = 0x7ea1_0000_0000_0007L;

    public abstract static class Scenario {
        private final Vm vm;
        private final PfnCache cache;

        protected Scenario(InvalidationStrategy strategy) {
            vm = TinyVm.build(strategy);
            cache = vm.newCache();
            cache.activate(TinyVm.gpa(0), Long.BYTES);
        }

        protected void write() {
            cache.write(Long.BYTES, k -> k.putLong(0, VALUE));
        }

        protected void migrate() {
            vm.mm().migrate(TinyVm.hva(0));
        }

        protected void closeAndAudit(III_Result r) {
            vm.close();
            var audit = vm.mm().audit();
            r.r1 = audit.pagesMapped() == 0 ? 0 : 1;
            r.r2 = audit.writesToFreedPages() == 0 ? 0 : 1;
            r.r3 = audit.pagesLeaked() == 0 ? 0 : 1;
        }
    }

    @JCStressTest
    @JCStressMeta(I7_Accounting.class)
    @State
    public static class RwLock extends Scenario {
        public RwLock() {
            super(InvalidationStrategy.rwlock());
        }

        @Actor
        public void vcpu() {
            write();
        }

        @Actor
        public void host() {
            migrate();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            closeAndAudit(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I7_Accounting.class)
    @State
    public static class Srcu extends Scenario {
        public Srcu() {
            super(InvalidationStrategy.srcu());
        }

        @Actor
        public void vcpu() {
            write();
        }

        @Actor
        public void host() {
            migrate();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            closeAndAudit(r);
        }
    }

    @JCStressTest
    @JCStressMeta(I7_Accounting.class)
    @Outcome(id = "0, 1, 0", expect = Expect.ACCEPTABLE_INTERESTING, desc = "SEQCOUNT's hazard: the write landed in the freed page")
    @Witness(value = "0, 1, 0", what = "SEQCOUNT's write reached the freed page")
    @State
    public static class SeqCount extends Scenario {
        public SeqCount() {
            super(InvalidationStrategy.seqcount());
        }

        @Actor
        public void vcpu() {
            write();
        }

        @Actor
        public void host() {
            migrate();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            closeAndAudit(r);
        }
    }
}
