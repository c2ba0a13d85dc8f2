package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.stress.liveness.I5_NonBlocking;

/**
 * Control (h) for I5: {@code liveness.I5_NonBlocking} on RWLOCK, the kernel's strategy, which does
 * not claim I5: its non-blockable invalidation takes the write side like a blockable one and
 * waits for the reader (under PREEMPT_RT that is the sleep the guard reports). No broken code is
 * needed: the real strategy that waits is the control. Caught on {@code ., 2, .}: the reaper met
 * the reader and returned only after the reader gave up. Each caught sample costs the reader's
 * hold (1 s), so it runs few samples.
 */
@JCStressTest
@JCStressMeta(I5_NonBlocking.class)
@NegativeControl(value = "I5: a non-blockable invalidation that waits for readers (RWLOCK's write side)", outcome = "., 2, .")
@State
public class I5_WaitingInvalidation_Broken extends I5_NonBlocking.Scenario {
    public I5_WaitingInvalidation_Broken() {
        super(InvalidationStrategy.rwlock());
    }

    @Actor
    public void reader() {
        read();
    }

    @Actor
    public void reaper(III_Result r) {
        reap(r);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        judge(r);
    }
}
