package org.pfncache.sync;

import java.lang.invoke.VarHandle;

/**
 * The process's choice of reader barrier for {@link Srcu}'s readers and {@link RwLock}'s reader
 * bias (its reader records; the class comment of RwLock says how their wake-ups work):
 * <em>fenced</em> readers pay a full fence (a {@code lock}-prefixed instruction on x86) on every
 * read-side entry, as srcu_read_lock's {@code smp_mb()} does; <em>asymmetric</em> readers pay only
 * a compiler barrier, and the rare writer pays {@link #heavy()}, a {@code membarrier(2)} system
 * call that makes every running thread of the process execute a full barrier. This is the
 * kernel's own trade in SRCU-fast/lite readers ({@code srcu_readers_active_idx_check()} in
 * kernel/rcu/srcutree.c: "A and B (or X and Y) act like the store buffering pattern", X being a
 * heavyweight {@code synchronize_rcu()} in place of {@code smp_mb()} A).
 *
 * <h2>Which one runs</h2>
 * Decided once, when this class initialises, and the same for every domain and lock: asymmetric
 * when {@code membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)} succeeded, fenced otherwise.
 * Registration needs Linux, Java 22+ (the call goes through {@code java.lang.foreign}, in
 * {@code META-INF/versions/22} of this multi-release jar, so the jar must be on the class or module
 * path as a jar), a kernel with the expedited private command (4.14+), a seccomp policy that lets
 * the call through, and native access enabled for this module: {@code
 * --enable-native-access=org.pfncache} on the module path, {@code ALL-UNNAMED} on the class path.
 * Without that flag the fence stays fenced rather than calling a restricted method anyway (which
 * Java 22–25 would allow with a warning on standard error and later releases are to deny).
 * {@code -Dpfncache.readers=fenced} forces fenced readers, e.g. to compare both in one JDK.
 * {@link #describe()} says which one runs and why.
 *
 * <h2>The ordering argument (asymmetric readers)</h2>
 * A reader publishes itself (Srcu: its slot's lock count; RwLock: its reader record) with
 * an opaque store, then {@link #readerBarrier()}, then loads what it protects (RwLock: the bias
 * flag; Srcu: the read section). A writer stores (RwLock: clears the bias; Srcu: whatever it
 * unpublished before the grace period), calls {@link #heavy()}, then loads the readers' slots.
 * That is store buffering; both sides missing each other is what must not happen.
 * <ol>
 * <li><b>The compiler half.</b> The JIT must not move the reader's load above its store. In
 *     asymmetric mode {@link #readerBarrier()} is {@link VarHandle#acquireFence()}. Its JMM
 *     meaning (earlier loads before later accesses) does not order a store before a load, so the
 *     argument rests on what HotSpot's compilers do with it, read in the JDK 25 sources: C2's
 *     {@code LibraryCallKit::inline_unsafe_fence} (opto/library_call.cpp) turns
 *     {@code Unsafe.loadFence()} into {@code insert_mem_bar(Op_MemBarCPUOrder)} then
 *     {@code insert_mem_bar(Op_LoadFence)} ("don't allow previous ld/st to move down"), and
 *     {@code GraphKit::insert_mem_bar} makes each membar "a pinch point between both control and
 *     all memory slices" (opto/graphKit.cpp): the membar consumes the whole memory state, so the
 *     store is scheduled before it, and every later load takes its memory from the membar's
 *     projection, so it cannot be scheduled above it. The x86_64 matcher
 *     (cpu/x86/x86_64.ad, {@code instruct membar_acquire}: {@code match(MemBarAcquire);
 *     match(LoadFence); size(0)}, "MEMBAR-acquire ! (empty encoding)") emits no instruction for
 *     it. Checked on JDK 25 with {@code -XX:CompileCommand=print} (raw bytes, no hsdis): an
 *     opaque store, this fence and an opaque load compile to {@code mov [rsi+0xc],1} then
 *     {@code mov eax,[rsi+0x10]}, in that order and nothing between; with
 *     {@link VarHandle#fullFence()} a {@code lock add [rsp-0x40],0} sits between them. The
 *     interpreter executes bytecodes in order; C1 was not read in source here (the jcstress runs
 *     go through it before C2 compiles the actors). This is a HotSpot property, not a JMM
 *     guarantee: on another JVM, use {@code -Dpfncache.readers=fenced}.</li>
 * <li><b>The hardware half.</b> On x86 (TSO) the only reordering left is a store waiting in the
 *     store buffer while a later load reads the cache. {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED}
 *     (kernel/sched/membarrier.c) executes {@code smp_mb()} on the caller at entry ("system call
 *     entry is not a mb"), sends an IPI to every other CPU whose current task shares this mm, each
 *     of which runs {@code ipi_mb()} = {@code smp_mb()}, waits for them all, and ends with
 *     {@code smp_mb()} again. An interrupt lands between two instructions of the reader; the
 *     handler's full barrier drains the store buffer, so every store the reader made before that
 *     point is visible to the writer's scan after the call returns, and every load after it reads
 *     memory no older than the writer's pre-call stores. A reader thread that is not running when
 *     the kernel looks at its CPU gets no IPI and needs none: it was switched out, and the
 *     scheduler puts a full barrier between storing {@code rq->curr} and returning to user space
 *     (membarrier.c's contract with {@code __schedule()}), so its buffered stores drained before
 *     it stopped and its next load follows the writer's stores.</li>
 * <li><b>Together.</b> Either the reader's store precedes the IPI point (the scan sees it), or its
 *     load follows it (it sees the writer's store): the FORBIDDEN both-miss outcome cannot happen.
 *     The jcstress tests in {@code org.pfncache.stress.asymmetric} check it, with a control that
 *     drops the membarrier and shows the both-miss outcome.</li>
 * </ol>
 * {@link #heavy()} also issues {@link VarHandle#fullFence()} before and after the system call, so
 * the writer's own order does not depend on how the JIT treats a foreign downcall.
 */
public final class AsymmetricFence {
    /** Setting it to {@code fenced} forces fenced readers; any other value, or none, lets this class choose. */
    public static final String READERS_PROPERTY = "pfncache.readers";

    /** How a reader orders its publication before what it reads. */
    public enum ReaderFlavour {
        /** A full fence per read-side entry; the writer's barrier is a full fence too. */
        FENCED,
        /** A compiler barrier per read-side entry; the writer's barrier is membarrier(2). */
        ASYMMETRIC
    }

    private static final AsymmetricFence INSTANCE = create();
    /** Constant-folded by the JIT: readers branch on it at no cost. */
    private static final boolean ASYMMETRIC = INSTANCE.membarrier != null;

    /** The registered membarrier, or null for fenced readers. */
    private final Membarrier membarrier;
    private final String description;

    private AsymmetricFence(Membarrier membarrier, String description) {
        this.membarrier = membarrier;
        this.description = description;
    }

    private static AsymmetricFence create() {
        if ("fenced".equals(System.getProperty(READERS_PROPERTY))) {
            return new AsymmetricFence(null, "fenced readers (-D" + READERS_PROPERTY + "=fenced)");
        }
        Membarrier m = Membarrier.open();
        return m.registered()
                ? new AsymmetricFence(m, "asymmetric readers: " + m.describe())
                : new AsymmetricFence(null, "fenced readers: " + m.describe());
    }

    /** The process's fence, chosen once. */
    public static AsymmetricFence get() {
        return INSTANCE;
    }

    /** True when readers publish with a compiler barrier only and writers use membarrier(2). */
    public boolean asymmetric() {
        return ASYMMETRIC;
    }

    public ReaderFlavour readerFlavour() {
        return ASYMMETRIC ? ReaderFlavour.ASYMMETRIC : ReaderFlavour.FENCED;
    }

    /**
     * The writer-side barrier, issued between the writer's stores and its scan of the readers:
     * a full fence when readers are fenced; otherwise a full fence, membarrier(2), a full fence.
     * A few microseconds when asymmetric; call it once per scan, never per reader.
     */
    public void heavy() {
        VarHandle.fullFence();
        if (ASYMMETRIC) {
            membarrier.barrier();
            VarHandle.fullFence();
        }
    }

    /**
     * The reader-side barrier between publishing and loading: a full fence when fenced, a
     * compiler barrier (see the class notes, 1) when asymmetric. Static so that it inlines to
     * nothing but the chosen barrier. Correct only when the other side calls {@link #heavy()}.
     */
    public static void readerBarrier() {
        if (ASYMMETRIC) {
            VarHandle.acquireFence();
        } else {
            VarHandle.fullFence();
        }
    }

    /** Which readers run and why, in one line (for logs and benchmark headers). */
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return "AsymmetricFence(" + description + ")";
    }
}
