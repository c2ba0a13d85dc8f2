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
import org.pfncache.sync.Srcu;

/**
 * Srcu, reader fence B against scan fence A: the updater unpublishes (opaque store), starts a
 * grace period and polls it, never waiting; the reader enters a read section (and stays in it)
 * and loads {@code published}. A grace period that completed while the reader is inside must
 * have started after the reader's section began, so the reader saw the unpublish: a reader that
 * saw the old state ({@code 1}) with a completed grace period ({@code 1}) is forbidden. The
 * reader first enters and leaves once, so that the measured readLock is the owned-slot fast path
 * (the first use of a slot claims it with a CAS, a full fence that would hide a missing B).
 * Results: the reader's {@code published}, the grace period's completion, the flavour.
 */
@JCStressTest
@Description("Srcu: a grace period never completes under a reader that saw the pre-grace-period state.")
@Outcome(id = {"0, [01], 1", "1, 0, 1"}, expect = Expect.ACCEPTABLE, desc = "asymmetric: the scan saw the reader, or the reader saw the unpublish")
@Outcome(id = {"0, [01], 0", "1, 0, 0"}, expect = Expect.ACCEPTABLE_INTERESTING,
        desc = "fenced readers ran (no membarrier here): the asymmetric path was not tested")
@Outcome(id = "1, 1, .*", expect = Expect.FORBIDDEN, desc = "the grace period completed under a reader that saw the old state")
@State
public class Srcu_AsymmetricReader {
    private static final VarHandle PUBLISHED;

    static {
        try {
            PUBLISHED = MethodHandles.lookup().findVarHandle(Srcu_AsymmetricReader.class, "published", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Srcu srcu = new Srcu("asymmetric", Asymmetric.GUARD);
    @SuppressWarnings("unused") // accessed through PUBLISHED
    private boolean published = true;

    @Actor
    public void reader(III_Result r) {
        srcu.readUnlock(srcu.readLock());
        Asymmetric.fillStoreBuffer(); // widens the window a missing membarrier would leave
        srcu.readLock(); // never left: the grace period must wait for this section
        r.r1 = (boolean) PUBLISHED.getOpaque(this) ? 1 : 0;
        r.r3 = Asymmetric.FLAVOUR;
    }

    @Actor
    public void updater(III_Result r) {
        PUBLISHED.setOpaque(this, false);
        r.r2 = srcu.pollCompleted(srcu.startPoll()) ? 1 : 0;
    }
}
