package org.pfncache.stress.negative;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.pfncache.InvalidationStrategy;
import org.pfncache.stress.publication.I2_Publication;

/**
 * Control (g) for I2: {@code publication.I2_Publication} on the real RWLOCK cache with the
 * writer's two steps swapped: the offset-only refresh publishes the new offset first, the
 * contents are stored after it returns. A model of the broken ordering made of the real parts:
 * the refresh's publish no longer covers the store, so a polling reader that sees the new offset
 * reads the zero from before it. Caught on {@code 2, .}.
 */
@JCStressTest
@JCStressMeta(I2_Publication.class)
@NegativeControl(value = "I2: page contents stored after the refresh that publishes the mapping", outcome = "2, [01]", ci = true)
@State
public class I2_ContentsAfterPublish_Broken extends I2_Publication.Scenario {
    public I2_ContentsAfterPublish_Broken() {
        super(InvalidationStrategy.rwlock());
    }

    @Actor
    public void writer() {
        publishThenWrite();
    }

    @Actor
    public void reader(II_Result r) {
        read(r);
    }
}
