package org.pfncache.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.pfncache.Memslots;
import org.pfncache.GuardPolicy;
import org.pfncache.InvalidationStrategy;
import org.pfncache.PfnCache;

/**
 * JDK 22+ only: the JDK's own invalidatable memory as a baseline. A {@code MemorySegment}
 * allocated from {@code Arena.ofShared()} is checked for liveness on every access, and closing the
 * arena invalidates every accessor with a handshake — the JDK's answer to the problem an SRCU
 * section solves. Target: the SRCU section at most 1.5x this read.
 *
 * <p><b>Measures</b>, in ns per read, 1 thread: {@code sharedArena}: the same R3 check as
 * {@link Baselines} (a CacheState-shaped descriptor in a plain field, the live memslot
 * generation) and then an 8-byte {@code MemorySegment.get(JAVA_LONG, offset)} of a 4 KiB segment of
 * a shared arena (its liveness check stands where the simulated memory's detector stands).
 *
 * <p>The module is compiled for Java 17, so the FFM API is reached through method handles made
 * once ({@code static final}, bound to the layout): C2 inlines {@code invokeExact} on a constant
 * handle, so the read compiles as the direct call would. {@link BenchRunner} leaves this class
 * out when the JDK is older than 22.
 *
 * <p><b>Avoids</b>: dead-code elimination (values go to JMH); constant folding (descriptor and
 * segment in {@code @State} fields); a confined arena (its owner-thread check is cheaper and is
 * not the invalidatable case).
 *
 * <p><b>Reproduce</b> (from the repository root):
 * {@code ./pfncache bench --jdk /usr/lib/jvm/temurin-25-jdk-amd64 quick 'ArenaBaseline|HotPathT1.enterCheckRead|BaselinesT1.plain' -p strategy=srcu -p detector=true}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class ArenaBaseline {
    private static final MethodHandle OF_SHARED;
    private static final MethodHandle ALLOCATE;
    private static final MethodHandle CLOSE;
    /** (Object segment, long offset) long: {@code segment.get(ValueLayout.JAVA_LONG, offset)}. */
    private static final MethodHandle GET_LONG;
    /** (Object segment, long offset, long value) void. */
    private static final MethodHandle SET_LONG;

    static {
        MethodHandle ofShared = null;
        MethodHandle allocate = null;
        MethodHandle close = null;
        MethodHandle get = null;
        MethodHandle set = null;
        if (available()) {
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> ofLong = Class.forName("java.lang.foreign.ValueLayout$OfLong");
                Object javaLong = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_LONG").get(null);
                ofShared = l.findStatic(arena, "ofShared", MethodType.methodType(arena))
                        .asType(MethodType.methodType(Object.class));
                allocate = l.findVirtual(arena, "allocate", MethodType.methodType(segment, long.class, long.class))
                        .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class));
                close = l.findVirtual(arena, "close", MethodType.methodType(void.class))
                        .asType(MethodType.methodType(void.class, Object.class));
                get = MethodHandles.insertArguments(
                        l.findVirtual(segment, "get", MethodType.methodType(long.class, ofLong, long.class)), 1, javaLong)
                        .asType(MethodType.methodType(long.class, Object.class, long.class));
                set = MethodHandles.insertArguments(
                        l.findVirtual(segment, "set", MethodType.methodType(void.class, ofLong, long.class, long.class)),
                        1, javaLong).asType(MethodType.methodType(void.class, Object.class, long.class, long.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        OF_SHARED = ofShared;
        ALLOCATE = allocate;
        CLOSE = close;
        GET_LONG = get;
        SET_LONG = set;
    }

    /** Whether this JDK has the final FFM API (22+). */
    static boolean available() {
        return Runtime.version().feature() >= 22;
    }

    /** CacheState's fields, immutable, published by one reference; the page is the segment. */
    static final class Desc {
        final boolean active;
        final boolean valid;
        final long gpa;
        final long generation;
        final int offset;
        final Object segment;

        Desc(boolean active, boolean valid, long gpa, long generation, int offset, Object segment) {
            this.active = active;
            this.valid = valid;
            this.gpa = gpa;
            this.generation = generation;
            this.offset = offset;
            this.segment = segment;
        }
    }

    @State(Scope.Benchmark)
    public static class Data {
        Guest guest;
        Memslots memslots;
        Object arena;
        Desc desc;

        @Setup(Level.Trial)
        public void setUp() throws Throwable {
            if (!available()) {
                throw new IllegalStateException("ArenaBaseline needs JDK 22+, this is " + Runtime.version());
            }
            guest = new Guest(InvalidationStrategy.srcu(), GuardPolicy.OFF, 1, 64);
            memslots = guest.vm.memslots();
            arena = (Object) OF_SHARED.invokeExact();
            Object segment = (Object) ALLOCATE.invokeExact(arena, (long) Guest.PAGE, 8L);
            SET_LONG.invokeExact(segment, 0L, Guest.signature(0));
            desc = new Desc(true, true, Guest.gpa(0), memslots.generation(), 0, segment);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Throwable {
            CLOSE.invokeExact(arena);
            guest.close();
        }
    }

    @Benchmark
    public long sharedArena(Data d) throws Throwable {
        Desc s = d.desc;
        return s.valid && s.active && (s.gpa == PfnCache.INVALID_GPA || s.generation == d.memslots.generation())
                && Guest.LEN <= Guest.PAGE - s.offset ? (long) GET_LONG.invokeExact(s.segment, (long) s.offset) : -1;
    }
}
