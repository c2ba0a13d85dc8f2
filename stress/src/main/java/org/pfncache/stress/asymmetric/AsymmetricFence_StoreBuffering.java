package org.pfncache.stress.asymmetric;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.sync.AsymmetricFence;

/**
 * AsymmetricFence, store buffering: the reader publishes its slot (opaque), issues
 * {@code readerBarrier()} (a compiler barrier when asymmetric) and reads the flag; the updater
 * writes the flag (opaque), calls {@code heavy()} (membarrier(2) when asymmetric) and reads the
 * slot. Either the updater sees the slot or the reader sees the flag: {@code 0, 0} is forbidden
 * in both flavours. Results: the reader's flag, the updater's slot, the flavour (1 asymmetric).
 */
@JCStressTest
@Description("AsymmetricFence: a reader with a compiler barrier and a writer with membarrier never both miss.")
@Outcome(id = {"1, 0, 1", "0, 1, 1", "1, 1, 1"}, expect = Expect.ACCEPTABLE, desc = "asymmetric: at least one saw the other")
@Outcome(id = {"1, 0, 0", "0, 1, 0", "1, 1, 0"}, expect = Expect.ACCEPTABLE_INTERESTING,
        desc = "fenced readers ran (no membarrier here): the asymmetric path was not tested")
@Outcome(id = "0, 0, .*", expect = Expect.FORBIDDEN, desc = "both missed: the reader's store was still buffered after heavy()")
@State
public class AsymmetricFence_StoreBuffering {
    private static final VarHandle SLOT;
    private static final VarHandle FLAG;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SLOT = l.findVarHandle(AsymmetricFence_StoreBuffering.class, "slot", int.class);
            FLAG = l.findVarHandle(AsymmetricFence_StoreBuffering.class, "flag", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through SLOT
    private int slot;
    @SuppressWarnings("unused") // accessed through FLAG
    private int flag;

    @Actor
    public void reader(III_Result r) {
        SLOT.setOpaque(this, 1);
        AsymmetricFence.readerBarrier();
        r.r1 = (int) FLAG.getOpaque(this);
        r.r3 = Asymmetric.FLAVOUR;
    }

    @Actor
    public void updater(III_Result r) {
        FLAG.setOpaque(this, 1);
        Asymmetric.FENCE.heavy();
        r.r2 = (int) SLOT.getOpaque(this);
    }
}
