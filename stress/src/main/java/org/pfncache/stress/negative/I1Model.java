package org.pfncache.stress.negative;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;
import org.pfncache.stress.torn.I1_NoTornState;

/**
 * Control (f) for I1: the cache state of the offset-only refresh (R4) kept in separate fields.
 *
 * <p>A model of the cache fields a reader loads in {@code torn.I1_NoTornState}: gpa, uhva, and
 * the khva (here, the offset into a one-page array holding the two signatures). The readers hold
 * nothing the writer waits for, as SRCU's don't. {@link Variant#ONE_STATE} publishes all three in
 * one immutable object with a release store and loads it with acquire, as PfnCache's CacheState
 * does: a reader sees states in order, so a khva can only be as new as a later gpa/uhva load.
 * {@link Variant#FIELD_BY_FIELD} stores gpa, then uhva, then re-derives and stores khva, in the
 * order {@code __kvm_gpc_refresh} assigns them, each with an opaque store: correct in the kernel
 * only because its readers hold the read side of gpc->lock, which a lock-free reader does not.
 * A reader whose gpa load lands after the writer's first store and whose khva load lands before
 * its last sees the new gpa with the old khva: {@code 2, 1}.
 */
public final class I1Model {
    /** How the writer publishes the state. */
    public enum Variant { ONE_STATE, FIELD_BY_FIELD }

    private static final VarHandle STATE;
    private static final VarHandle GPA;
    private static final VarHandle UHVA;
    private static final VarHandle KHVA;
    private static final long BASE = 0x7f00_0000_0000L;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(I1Model.class, "state", Fields.class);
            GPA = l.findVarHandle(I1Model.class, "gpa", long.class);
            UHVA = l.findVarHandle(I1Model.class, "uhva", long.class);
            KHVA = l.findVarHandle(I1Model.class, "khva", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One immutable state (the ONE_STATE variant). */
    private record Fields(long gpa, long uhva, int khva) {
    }

    private final Variant variant;
    private final long[] page = new long[4096 / Long.BYTES];
    @SuppressWarnings("unused") // accessed through STATE
    private Fields state;
    @SuppressWarnings("unused") // accessed through GPA
    private long gpa;
    @SuppressWarnings("unused") // accessed through UHVA
    private long uhva;
    @SuppressWarnings("unused") // accessed through KHVA
    private int khva;

    I1Model(Variant variant) {
        this.variant = variant;
        int oldOffset = I1_NoTornState.OLD_OFFSET;
        page[oldOffset / Long.BYTES] = I1_NoTornState.OLD_SIGNATURE;
        page[I1_NoTornState.NEW_OFFSET / Long.BYTES] = I1_NoTornState.NEW_SIGNATURE;
        gpa = oldOffset;
        uhva = BASE + oldOffset;
        khva = oldOffset;
        state = new Fields(oldOffset, BASE + oldOffset, oldOffset);
    }

    /** The offset-only refresh to {@code offset}. */
    void move(int offset) {
        if (variant == Variant.ONE_STATE) {
            // Release: pairs with the readers' acquire loads; one store publishes all three fields.
            STATE.setRelease(this, new Fields(offset, BASE + offset, offset));
        } else {
            GPA.setOpaque(this, (long) offset);
            UHVA.setOpaque(this, BASE + offset);
            // khva = old khva page + the new uhva's page offset, derived after the uhva store.
            KHVA.setOpaque(this, (int) (((long) UHVA.getOpaque(this)) & 4095));
        }
    }

    long gpa() {
        return variant == Variant.ONE_STATE ? ((Fields) STATE.getAcquire(this)).gpa() : (long) GPA.getOpaque(this);
    }

    long uhva() {
        return variant == Variant.ONE_STATE ? ((Fields) STATE.getAcquire(this)).uhva() : (long) UHVA.getOpaque(this);
    }

    long wordAtKhva() {
        int k = variant == Variant.ONE_STATE ? ((Fields) STATE.getAcquire(this)).khva() : (int) KHVA.getOpaque(this);
        return page[k / Long.BYTES];
    }

    /** The I1 reader's section on the model: g1, k, g2, validated (always: nothing to validate). */
    void section(IIIII_Result r) {
        r.r1 = I1_NoTornState.offsetClass(gpa());
        r.r2 = I1_NoTornState.wordClass(wordAtKhva());
        r.r3 = I1_NoTornState.offsetClass(uhva());
        r.r4 = 1;
    }

    /** The I1 scenario on the model: the same offsets, signatures and polling reader. */
    abstract static class Scenario {
        private final I1Model model;

        Scenario(Variant variant) {
            model = new I1Model(variant);
        }

        void move() {
            model.move(I1_NoTornState.NEW_OFFSET);
        }

        void read(IIIII_Result r) {
            I1_NoTornState.poll(model::section, r);
        }
    }

    /** The correct variant: one immutable state, one release store. Must pass with SRCU's outcomes. */
    @JCStressTest
    @JCStressMeta(I1_NoTornState.class)
    @Outcome(id = {"1, 1, 2, 1, [01]", "1, 2, 2, 1, [01]"}, expect = Expect.ACCEPTABLE, desc = "the publish fell between two loads, forwards")
    @State
    public static class OneState extends Scenario {
        public OneState() {
            super(Variant.ONE_STATE);
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

    /** Control (f): the fields stored one by one; caught on the new gpa with the old khva. */
    @JCStressTest
    @JCStressMeta(I1_NoTornState.class)
    @NegativeControl(value = "I1: gpa, uhva and khva stored field by field for lock-free readers (R4 offset-only branch)",
            outcome = "2, 1, ., 1, [01]", ci = true)
    @Outcome(id = {"1, 1, 2, 1, [01]", "1, 2, 2, 1, [01]"}, expect = Expect.ACCEPTABLE, desc = "the publish fell between two loads, forwards")
    @Outcome(id = "2, 1, ., 1, [01]", expect = Expect.FORBIDDEN, desc = "caught: the new gpa with the old khva")
    @State
    public static class FieldByField_Broken extends Scenario {
        public FieldByField_Broken() {
            super(Variant.FIELD_BY_FIELD);
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
