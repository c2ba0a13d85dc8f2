package org.pfncache.stress.negative;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a jcstress test as a negative control and says who must catch it. The StressRunner reads
 * it: a control without a {@link #lincheckTwin()} must show its own FORBIDDEN {@link #outcome()} in jcstress
 * (quick and full modes, and ci when {@link #ci()}); a control with a twin is caught on every run
 * by that Lincheck test in core, and jcstress catching it too is a bonus.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface NegativeControl {
    /** What is broken, in one line. */
    String value();

    /**
     * The FORBIDDEN outcome ids (regular expressions over the whole id, as jcstress matches them)
     * that are this bug. The control is caught only when one of them was observed: a failure for
     * another reason (an error, a timeout, some other forbidden outcome) proves nothing about it.
     */
    String[] outcome();

    /** The Lincheck test (class#method) that catches this bug every time; empty when jcstress must. */
    String lincheckTwin() default "";

    /** Whether jcstress catches it reliably within the ci mode's budget, so ci runs and requires it. */
    boolean ci() default false;
}
