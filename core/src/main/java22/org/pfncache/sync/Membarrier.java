package org.pfncache.sync;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code membarrier(2)} through {@code java.lang.foreign} (Java 22+; the Java 17 class of the
 * same name never has it). {@link #open()} queries the kernel ({@code MEMBARRIER_CMD_QUERY}),
 * registers the process for {@code MEMBARRIER_CMD_PRIVATE_EXPEDITED} once, and issues one barrier
 * to prove it works; {@link #barrier()} then makes the call, which returns after every CPU running
 * a thread of this process has executed a full memory barrier (see {@link AsymmetricFence}).
 *
 * <p>The call goes through libc's {@code syscall(long number, ...)}: glibc has no
 * {@code membarrier} wrapper before 2.41. Arguments travel as longs, as the variadic
 * {@code syscall} reads them; the kernel takes the low 32 bits of each.
 */
final class Membarrier {
    /** include/uapi/linux/membarrier.h. */
    static final long CMD_QUERY = 0;
    static final long CMD_PRIVATE_EXPEDITED = 1 << 3;
    static final long CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;
    /** How often a failed barrier is retried before the writer gives up (it cannot fall back). */
    private static final int BARRIER_ATTEMPTS = 100;

    private final MethodHandle syscall;
    private final long number;
    private final String description;

    private Membarrier(MethodHandle syscall, long number, String description) {
        this.syscall = syscall;
        this.number = number;
        this.description = description;
    }

    /** Registers this process, or says why it could not ({@link #registered()} false). */
    static Membarrier open() {
        String os = System.getProperty("os.name", "");
        if (!os.startsWith("Linux")) {
            return unavailable("no membarrier: " + os + " is not Linux");
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        long number = switch (arch) {
            case "amd64", "x86_64" -> 324;          // arch/x86/entry/syscalls/syscall_64.tbl
            case "aarch64", "riscv64" -> 283;        // include/uapi/asm-generic/unistd.h
            default -> -1;
        };
        if (number < 0) {
            return unavailable("no membarrier: no system call number known for " + arch);
        }
        Module module = Membarrier.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return unavailable("no membarrier: native access is not enabled for "
                    + (module.isNamed() ? "module " + module.getName() : "the class path")
                    + " (java --enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED") + ")");
        }
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> symbol = linker.defaultLookup().find("syscall");
            if (symbol.isEmpty()) {
                return unavailable("no membarrier: libc has no syscall symbol");
            }
            FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
            MethodHandle plain = linker.downcallHandle(symbol.get(), fd, Linker.Option.firstVariadicArg(1));
            MethodHandle withErrno = linker.downcallHandle(symbol.get(), fd, Linker.Option.firstVariadicArg(1),
                    Linker.Option.captureCallState("errno"));
            Errno errno = new Errno(withErrno, number);
            long supported = errno.call(CMD_QUERY);
            if (supported < 0) {
                return unavailable("no membarrier: MEMBARRIER_CMD_QUERY failed, " + errno.last());
            }
            long needed = CMD_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED;
            if ((supported & needed) != needed) {
                return unavailable("no membarrier: the kernel does not offer MEMBARRIER_CMD_PRIVATE_EXPEDITED"
                        + " (query answered 0x" + Long.toHexString(supported) + ")");
            }
            if (errno.call(CMD_REGISTER_PRIVATE_EXPEDITED) != 0) {
                return unavailable("no membarrier: MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED refused, " + errno.last());
            }
            if (errno.call(CMD_PRIVATE_EXPEDITED) != 0) {
                return unavailable("no membarrier: MEMBARRIER_CMD_PRIVATE_EXPEDITED failed after registering, "
                        + errno.last());
            }
            return new Membarrier(plain, number, "membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) registered"
                    + " (syscall " + number + " on " + arch + ", kernel offers 0x" + Long.toHexString(supported) + ")");
        } catch (IllegalCallerException | UnsupportedOperationException e) {
            return unavailable("no membarrier: " + e);
        } catch (Throwable t) {
            return unavailable("no membarrier: the downcall failed: " + t);
        }
    }

    private static Membarrier unavailable(String reason) {
        return new Membarrier(null, -1, reason);
    }

    boolean registered() {
        return syscall != null;
    }

    String describe() {
        return description;
    }

    /**
     * {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0)}. After registration it fails
     * only under memory pressure (the kernel allocates a cpumask); it is retried, and if it keeps
     * failing this throws: readers that rely on it are not fenced, so a writer must not go on.
     */
    void barrier() {
        if (syscall == null) {
            throw new UnsupportedOperationException(description);
        }
        for (int attempt = 0; attempt < BARRIER_ATTEMPTS; attempt++) {
            if (call() == 0) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed " + BARRIER_ATTEMPTS
                + " times; a writer cannot order itself after the unfenced readers");
    }

    private long call() {
        try {
            return (long) syscall.invokeExact(number, CMD_PRIVATE_EXPEDITED, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("membarrier downcall failed", t);
        }
    }

    /** The set-up calls, with errno captured for the reason a refusal gives. */
    private static final class Errno {
        private static final StructLayout STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private final MethodHandle handle;
        private final long number;
        private int last;

        Errno(MethodHandle handle, long number) {
            this.handle = handle;
            this.number = number;
        }

        long call(long cmd) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(STATE);
                long r = (long) handle.invokeExact(state, number, cmd, 0L, 0L);
                last = (int) ERRNO.get(state, 0L);
                return r;
            }
        }

        String last() {
            return "errno " + last + switch (last) {
                case 1 -> " (EPERM)";
                case 22 -> " (EINVAL)";
                case 38 -> " (ENOSYS: no membarrier, or a seccomp filter)";
                default -> "";
            };
        }
    }
}
