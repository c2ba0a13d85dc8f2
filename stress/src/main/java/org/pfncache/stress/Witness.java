package org.pfncache.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the outcomes of a jcstress test that prove its race window was reached: the SEQCOUNT
 * hazard, a RETRY of the non-blockable path, a reader seen inside the writer's window. A test
 * whose FORBIDDEN outcome never shows proves something only if the window it guards was hit, so
 * the StressRunner requires at least one sample of one of these outcomes: a run without any is
 * reported as "window not reached" (a failure in full mode, a warning in quick and ci, where the
 * iterations are short). On a nested test, the annotation may sit on the test class or on the
 * class its {@code @JCStressMeta} names.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Witness {
    /** Outcome ids, matched as jcstress matches them (a regular expression over the whole id). */
    String[] value();

    /** What seeing one of them proves, in one line. */
    String what();
}
