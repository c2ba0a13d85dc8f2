package org.pfncache.bench;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jctools.counters.CountersFactory;
import org.jctools.counters.FixedSizeStripedLongCounter;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JCTools against the JDK, at the two places where the project's stack names a JCTools
 * structure as a candidate: the striped counters behind {@code PfnCache.stats()} and
 * {@code Vm.stats()} ({@code org.pfncache.Counters}: {@link LongAdder}) and the MPSC queue of
 * deferred callbacks that call_srcu feeds and the reclaimer drains ({@code Srcu}: a
 * {@link ConcurrentLinkedQueue}; under an invalidation storm every unmap of a SRCU cache goes
 * through it). Core keeps whichever costs less; the figures are in
 * {@code docs/results/jctools-vs-jdk.md}.
 *
 * <p><b>Measures</b>, ns per operation:
 * <ul>
 * <li>{@code Counters.increment}: one increment of a shared counter, parameter {@code impl}
 *     {@code jdk} (LongAdder) or {@code jctools} (FixedSizeStripedLongCounter, 2 x CPUs
 *     stripes); at 1 thread ({@link T1}) and at 2 threads on the one counter ({@link T2}: the
 *     contended case striping is for, as many threads as the 2 CPUs).</li>
 * <li>{@code Callbacks.offerPoll}: one callback queued and taken (the steady state of a queue the
 *     reclaimer keeps up with); {@code Callbacks.burst}: 64 queued, then 64 taken (a storm the
 *     reclaimer drains after the fact), per callback. Parameter {@code impl}: {@code jdk}
 *     (ConcurrentLinkedQueue) or {@code jctools} (MpscUnboundedArrayQueue, 128-element chunks).
 *     Single-threaded: the producer side's cost and the allocation per element ({@code -prof
 *     gc}), which is where the two differ; the queue's contended behaviour is not measured.</li>
 * </ul>
 *
 * <p><b>Avoids</b>: dead-code elimination (values go to JMH); a queue that grows without bound
 * (every operation takes what it queued); more busy threads than the 2 CPUs.
 *
 * <p><b>Reproduce</b> (from the repository root):
 * <pre>
 * ./pfncache bench quick 'JctoolsVsJdk' -prof gc
 * </pre>
 */
public class JctoolsVsJdk {
    private JctoolsVsJdk() {
    }

    @State(Scope.Benchmark)
    public static class Counter {
        @Param({"jdk", "jctools"})
        public String impl;

        LongAdder adder;
        FixedSizeStripedLongCounter striped;

        @Setup
        public void setUp() {
            if (impl.equals("jdk")) {
                adder = new LongAdder();
            } else {
                striped = CountersFactory.createFixedSizeStripedCounter(2 * Runtime.getRuntime().availableProcessors());
            }
        }

        /** One increment; the null test on a final-per-trial field costs both alike (one load and branch). */
        long increment() {
            LongAdder a = adder;
            if (a != null) {
                a.increment();
                return 1;
            }
            striped.inc();
            return 2;
        }
    }

    /** The run settings every benchmark here shares (JMH reads them from the superclass). */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public abstract static class Settings {
    }

    /** A counter increment; {@link T1} and {@link T2} run it on one and on two threads. */
    public abstract static class Increment extends Settings {
        @Benchmark
        public long increment(Counter c) {
            return c.increment();
        }
    }

    /** Counters, one thread. */
    @Threads(1)
    public static class T1 extends Increment {
    }

    /** Counters, two threads on one counter. */
    @Threads(2)
    public static class T2 extends Increment {
    }

    @State(Scope.Thread)
    public static class Queues {
        static final int BURST = 64;

        @Param({"jdk", "jctools"})
        public String impl;

        Queue<Runnable> queue;
        final Runnable callback = () -> { };

        @Setup
        public void setUp() {
            queue = impl.equals("jdk") ? new ConcurrentLinkedQueue<>() : new MpscUnboundedArrayQueue<>(128);
        }
    }

    /** The callback queue, single-threaded. */
    @Threads(1)
    public static class Callbacks extends Settings {
        @Benchmark
        public Runnable offerPoll(Queues q) {
            q.queue.offer(q.callback);
            return q.queue.poll();
        }

        /** Per callback: the score divided by {@link Queues#BURST} (JMH's OperationsPerInvocation). */
        @Benchmark
        @org.openjdk.jmh.annotations.OperationsPerInvocation(Queues.BURST)
        public int burst(Queues q) {
            Queue<Runnable> queue = q.queue;
            for (int i = 0; i < Queues.BURST; i++) {
                queue.offer(q.callback);
            }
            int n = 0;
            while (queue.poll() != null) {
                n++;
            }
            return n;
        }
    }
}
