package org.pfncache.stress.asymmetric;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.stress.negative.NegativeControl;

/**
 * Control: {@code AsymmetricFence_StoreBuffering} with the membarrier taken out. The reader is the
 * asymmetric reader (an opaque store, a compiler barrier, an opaque load), whatever flavour the
 * process runs; the updater keeps {@code heavy()}'s full fences but not the system call between
 * them. Nothing drains the reader's store buffer, so the reader can load the flag before its slot
 * store is visible while the updater, fenced, reads the slot too early: {@code 0, 0}. Not in the
 * ci subset (on a loaded 2-core JDK 17 machine it was caught in 3 forks of 4); .ci/run requires it
 * caught in its JDK 22+ run, and quick and full modes require it everywhere.
 */
@JCStressTest
@NegativeControl(value = "asymmetric reader (compiler barrier only) against a writer without membarrier(2)", outcome = "0, 0")
@Description("Control: without membarrier, a compiler-barrier reader and a fenced writer can both miss.")
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = Expect.ACCEPTABLE, desc = "at least one saw the other")
@Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "caught: both missed, the reader's store sat in its store buffer")
@State
public class AsymmetricFence_NoMembarrier_Broken {
    private static final VarHandle SLOT;
    private static final VarHandle FLAG;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SLOT = l.findVarHandle(AsymmetricFence_NoMembarrier_Broken.class, "slot", int.class);
            FLAG = l.findVarHandle(AsymmetricFence_NoMembarrier_Broken.class, "flag", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through SLOT
    private int slot;
    @SuppressWarnings("unused") // accessed through FLAG
    private int flag;

    @Actor
    public void reader(II_Result r) {
        SLOT.setOpaque(this, 1);
        VarHandle.acquireFence(); // AsymmetricFence.readerBarrier() in its asymmetric flavour
        r.r1 = (int) FLAG.getOpaque(this);
    }

    @Actor
    public void updater(II_Result r) {
        FLAG.setOpaque(this, 1);
        VarHandle.fullFence(); // heavy() without its membarrier(2): only the caller's own fence
        r.r2 = (int) SLOT.getOpaque(this);
    }
}
