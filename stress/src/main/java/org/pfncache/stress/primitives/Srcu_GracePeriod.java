package org.pfncache.stress.primitives;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.sync.Srcu;

/**
 * Srcu, grace period: {@code synchronize()} waits for every reader that entered before it.
 *
 * <p>The updater unpublishes ({@code published = false}), waits for a grace period, then marks
 * the object reclaimed. A reader, inside one read section, loads {@code published} and then
 * {@code reclaimed}. A reader that still saw the object published entered before the grace
 * period could have ended, so it cannot see it reclaimed: {@code 1, 1} is forbidden. Both flags
 * are opaque (READ_ONCE/WRITE_ONCE): only Srcu's own barriers order them.
 *
 * <p>The domain is made per state; no callback is queued, so no reclaimer thread starts.
 */
@JCStressTest
@Description("Srcu: a reader that saw the pre-grace-period state never sees the post-reclaim state.")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the reader ran before the unpublish")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "the reader saw the unpublish, not yet the reclaim")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "the reader ran after the reclaim")
@Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "the grace period ended under a reader that saw the old state")
@State
public class Srcu_GracePeriod {
    private static final VarHandle PUBLISHED;
    private static final VarHandle RECLAIMED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUBLISHED = l.findVarHandle(Srcu_GracePeriod.class, "published", boolean.class);
            RECLAIMED = l.findVarHandle(Srcu_GracePeriod.class, "reclaimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Srcu srcu = new Srcu("stress", Primitives.GUARD);
    @SuppressWarnings("unused") // accessed through PUBLISHED
    private boolean published = true;
    @SuppressWarnings("unused") // accessed through RECLAIMED
    private boolean reclaimed;

    @Actor
    public void updater() {
        PUBLISHED.setOpaque(this, false);
        srcu.synchronize();
        RECLAIMED.setOpaque(this, true);
    }

    @Actor
    public void reader(II_Result r) {
        int idx = srcu.readLock();
        try {
            r.r1 = (boolean) PUBLISHED.getOpaque(this) ? 1 : 0;
            r.r2 = (boolean) RECLAIMED.getOpaque(this) ? 1 : 0;
        } finally {
            srcu.readUnlock(idx);
        }
    }
}
