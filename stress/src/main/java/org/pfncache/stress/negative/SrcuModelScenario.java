package org.pfncache.stress.negative;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The grace-period guarantee on {@link SrcuModel}: the updater unpublishes an object and waits for
 * a grace period, after which it would reclaim the object; so when synchronize() returns, every
 * reader that still saw the object published must have left its section. The reader loads
 * {@code published} inside its section and marks that it left as the section's last store; the
 * updater reads that mark right after synchronize(), where the reclaim would go.
 *
 * <p>Outcomes (reader saw published, updater saw the reader gone): {@code 1, 1} the grace period
 * waited for the reader; {@code 0, *} the reader entered late and saw the unpublish; {@code 1, 0}
 * the grace period ended under a reader that saw the old state: forbidden.
 */
public abstract class SrcuModelScenario {
    private static final VarHandle PUBLISHED;
    private static final VarHandle LEFT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUBLISHED = l.findVarHandle(SrcuModelScenario.class, "published", boolean.class);
            LEFT = l.findVarHandle(SrcuModelScenario.class, "left", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SrcuModel srcu;
    @SuppressWarnings("unused") // accessed through PUBLISHED
    private boolean published = true;
    @SuppressWarnings("unused") // accessed through LEFT
    private boolean left;

    protected SrcuModelScenario(SrcuModel.Variant variant) {
        srcu = new SrcuModel(variant);
    }

    protected void reader(II_Result r) {
        int idx = srcu.readLock();
        r.r1 = (boolean) PUBLISHED.getOpaque(this) ? 1 : 0;
        LEFT.setOpaque(this, true);
        srcu.readUnlock(idx);
    }

    protected void updater(II_Result r) {
        PUBLISHED.setOpaque(this, false);
        srcu.synchronize();
        r.r2 = (boolean) LEFT.getOpaque(this) ? 1 : 0;
    }
}
