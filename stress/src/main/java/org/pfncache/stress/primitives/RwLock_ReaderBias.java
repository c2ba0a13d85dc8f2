package org.pfncache.stress.primitives;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.stress.Witness;
import org.pfncache.sync.RwLock;

/**
 * RwLock's reader-biased path (readLockToken / readUnlockToken, BRAVO's visible-readers table) and
 * the revocation of the bias by writers. A fresh lock starts biased, so a token reader that comes
 * first takes a table slot (or, with asymmetric readers on Java 22+, its reader record) instead of
 * the lock word; a writer must then revoke the bias and wait for that slot to empty (writeLock), or
 * give up and leave the bias on (tryWriteLock). The asymmetric record path's own test is
 * {@code org.pfncache.stress.asymmetric.RwLock_AsymmetricReader}.
 */
public class RwLock_ReaderBias {
    private RwLock_ReaderBias() {
    }

    /**
     * writeLock against a token reader: the writer stores x then y (opaque) under the write side;
     * the token reader loads y then x. Either the writer revoked the bias and waited for the
     * reader's slot, or the reader found the bias off (or the lock word taken) and queued behind
     * the writer: the reader sees both stores or neither.
     *
     * <p>Outcomes (y, x, fast path): {@code 0, 0, .} and {@code 1, 1, .} acceptable; a mix is
     * FORBIDDEN. Fast path 1 when the reader's token named a table slot: the witness that the
     * biased path, and so the revocation, was exercised.
     */
    @JCStressTest
    @Description("RwLock: a token reader sees a writer's section all or nothing, across bias revocation.")
    @Outcome(id = {"0, 0, [01]", "1, 1, [01]"}, expect = Expect.ACCEPTABLE, desc = "before or after the writer")
    @Outcome(expect = Expect.FORBIDDEN, desc = "half of the writer's section: revocation did not wait for the token reader")
    @Witness(value = "0, 0, 1", what = "a token reader took the biased path before the writer")
    @State
    public static class TokenVsWriteLock {
        private static final VarHandle X;
        private static final VarHandle Y;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                X = l.findVarHandle(TokenVsWriteLock.class, "x", int.class);
                Y = l.findVarHandle(TokenVsWriteLock.class, "y", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final RwLock lock = new RwLock("stress-bias", Primitives.GUARD);
        @SuppressWarnings("unused") // accessed through X
        private int x;
        @SuppressWarnings("unused") // accessed through Y
        private int y;

        @Actor
        public void writer() {
            lock.writeLock();
            try {
                X.setOpaque(this, 1);
                Y.setOpaque(this, 1);
            } finally {
                lock.writeUnlock();
            }
        }

        @Actor
        public void reader(III_Result r) {
            int token = lock.readLockToken();
            try {
                r.r1 = (int) Y.getOpaque(this);
                r.r2 = (int) X.getOpaque(this);
                r.r3 = token != 0 ? 1 : 0; // biased: a table slot (> 0) or, asymmetric, a reader record (< 0)
            } finally {
                lock.readUnlockToken(token);
            }
        }
    }

    /**
     * tryWriteLock against a token reader: the reader loads x twice, with some work between; the
     * try-writer, if it gets the lock, stores x = 1. A try-lock that succeeded while the reader held
     * its slot would show as the reader's two loads differing. The arbiter then checks that a
     * failed try left the lock usable: a tryWriteLock from the idle lock must succeed (a try that
     * gave up must hand back the lock word and keep the bias consistent).
     *
     * <p>Outcomes (first load, second load, try succeeded, idle try succeeded, fast path):
     * {@code 0, 0, 0, 1, .} the try failed while the reader was inside (with fast path 1: the
     * witness that the revocation was refused by a table reader); {@code 0, 0, 1, 1, .} the try
     * came after the reader; {@code 1, 1, 1, 1, .} before it. {@code 0, 1} (the writer inside the
     * reader's section) and an idle lock that refuses a try are FORBIDDEN.
     */
    @JCStressTest
    @Description("RwLock: tryWriteLock never succeeds while a token reader is inside, and a failed try leaves the lock usable.")
    @Outcome(id = {"0, 0, 0, 1, [01]", "0, 0, 1, 1, [01]", "1, 1, 1, 1, [01]"}, expect = Expect.ACCEPTABLE, desc = "the try failed while the reader was inside, or came before or after it")
    @Outcome(id = "0, 1, ., ., .", expect = Expect.FORBIDDEN, desc = "the try-writer got the lock inside the token reader's section")
    @Outcome(expect = Expect.FORBIDDEN, desc = "the idle lock refused a try after the race, or an impossible mix")
    @Witness(value = "0, 0, 0, 1, 1", what = "a biased token reader made tryWriteLock give up")
    @State
    public static class TokenVsTryWriteLock {
        static final int WORK = 16;
        private static final VarHandle X;

        static {
            try {
                X = MethodHandles.lookup().findVarHandle(TokenVsTryWriteLock.class, "x", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final RwLock lock = new RwLock("stress-bias-try", Primitives.GUARD);
        @SuppressWarnings("unused") // accessed through X
        private int x;

        @Actor
        public void reader(IIIII_Result r) {
            int token = lock.readLockToken();
            try {
                r.r1 = (int) X.getOpaque(this);
                for (int i = 0; i < WORK; i++) {
                    Thread.onSpinWait();
                }
                r.r2 = (int) X.getOpaque(this);
                r.r5 = token != 0 ? 1 : 0; // biased: a table slot (> 0) or, asymmetric, a reader record (< 0)
            } finally {
                lock.readUnlockToken(token);
            }
        }

        @Actor
        public void tryWriter(IIIII_Result r) {
            if (lock.tryWriteLock()) {
                try {
                    X.setOpaque(this, 1);
                } finally {
                    lock.writeUnlock();
                }
                r.r3 = 1;
            }
        }

        @Arbiter
        public void idle(IIIII_Result r) {
            if (lock.tryWriteLock()) {
                lock.writeUnlock();
                r.r4 = 1;
            }
        }
    }
}
