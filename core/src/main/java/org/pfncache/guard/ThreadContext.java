package org.pfncache.guard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A thread's kernel context, the analogue of {@code current->preempt_count},
 * {@code current->non_block_count}, {@code current->rcu_read_lock_nesting}, lockdep's held-lock
 * stack ({@code current->held_locks}) and a stack of kernel function names for the call trace.
 * Only its own thread touches it, so its fields are plain; a report copies them on that same
 * thread.
 */
final class ThreadContext {
    /** The lockdep name of the implicit {@code rcu_read_lock()} an RT lock takes. */
    static final String RCU_READ_LOCK = "rcu_read_lock";

    /** The thread this context belongs to (contexts are made on their own thread). */
    final Thread thread = Thread.currentThread();
    int preemptCount;
    int nonBlock;
    int irqsDisabled;
    /** {@code rcu_preempt_depth()}: RT locks held plus explicit RCU read sections (PREEMPT_RT). */
    int rcuDepth;
    /** The held-lock stack as parallel arrays, so that taking a lock allocates nothing. */
    private Object[] heldLock = new Object[8];
    private String[] heldName = new String[8];
    private String[] heldSite = new String[8];
    /** Appended to the name in {@link #heldLocks()} only, e.g. " (read)": lockdep prints the class name. */
    private String[] heldSuffix = new String[8];
    /** lockdep's "at:" for each entry: the Java site, else the innermost kernel function. */
    private String[] heldAt = new String[8];
    private LockType[] heldType = new LockType[8];
    /** Entries lockdep prints but that are not locks of their own (an RT lock's rcu_read_lock). */
    private boolean[] heldImplicit = new boolean[8];
    private int depth;
    private Guard[] operations = new Guard[4];
    private int operationDepth;
    /** Kernel function names, outermost first (enterFunction/exitFunction). */
    private String[] functions = new String[8];
    private int functionDepth;

    void push(Object lock, String name, String site) {
        push(lock, name, site, LockType.SPINLOCK, false);
    }

    void push(Object lock, String name, String site, LockType type, boolean implicit) {
        push(lock, name, null, site, type, implicit);
    }

    void push(Object lock, String name, String suffix, String site, LockType type, boolean implicit) {
        if (depth == heldLock.length) {
            int n = depth * 2;
            heldLock = Arrays.copyOf(heldLock, n);
            heldName = Arrays.copyOf(heldName, n);
            heldSite = Arrays.copyOf(heldSite, n);
            heldSuffix = Arrays.copyOf(heldSuffix, n);
            heldAt = Arrays.copyOf(heldAt, n);
            heldType = Arrays.copyOf(heldType, n);
            heldImplicit = Arrays.copyOf(heldImplicit, n);
        }
        heldLock[depth] = lock;
        heldName[depth] = name;
        heldSite[depth] = site;
        heldSuffix[depth] = suffix;
        heldAt[depth] = site != null ? site : innermostFunction();
        heldType[depth] = type;
        heldImplicit[depth] = implicit;
        depth++;
    }

    /**
     * Whether this context lists {@code lock} as held. Called from another thread for stall
     * diagnostics only: the plain reads may see a stale or half-updated stack (a wrong answer in a
     * report, never a wrong lock decision).
     */
    boolean racyHolds(Object lock) {
        Object[] locks = heldLock;
        int d = Math.min(depth, locks.length);
        for (int i = 0; i < d; i++) {
            if (locks[i] == lock) {
                return true;
            }
        }
        return false;
    }

    /** Removes the innermost entry for {@code lock}; locks need not be released in LIFO order. */
    boolean pop(Object lock) {
        for (int i = depth - 1; i >= 0; i--) {
            if (heldLock[i] == lock) {
                int tail = depth - i - 1;
                System.arraycopy(heldLock, i + 1, heldLock, i, tail);
                System.arraycopy(heldName, i + 1, heldName, i, tail);
                System.arraycopy(heldSite, i + 1, heldSite, i, tail);
                System.arraycopy(heldSuffix, i + 1, heldSuffix, i, tail);
                System.arraycopy(heldAt, i + 1, heldAt, i, tail);
                System.arraycopy(heldType, i + 1, heldType, i, tail);
                System.arraycopy(heldImplicit, i + 1, heldImplicit, i, tail);
                depth--;
                heldLock[depth] = null;
                heldName[depth] = null;
                heldSite[depth] = null;
                heldSuffix[depth] = null;
                heldAt[depth] = null;
                heldType[depth] = null;
                heldImplicit[depth] = false;
                return true;
            }
        }
        return false;
    }

    /** The locks held, "name at site", outermost first, without implicit entries. */
    List<String> heldLocks() {
        List<String> out = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            if (!heldImplicit[i]) {
                String n = heldSuffix[i] == null ? heldName[i] : heldName[i] + heldSuffix[i];
                out.add(heldSite[i] == null ? n : n + " at " + heldSite[i]);
            }
        }
        return out;
    }

    /**
     * What {@code lockdep_print_held_locks()} prints after " #i: " for each entry, addresses
     * left out: {@code (NAME){USAGE}-{OUTER:INNER}, at: SITE}. USAGE is always "...." (see
     * {@link GuardReport}).
     */
    List<String> lockdepLines() {
        List<String> out = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            LockType t = heldType[i];
            out.add("(" + heldName[i] + "){....}-{" + t.outer() + ":" + t.inner() + "}, at: "
                    + (heldAt[i] == null ? "?" : heldAt[i]));
        }
        return out;
    }

    void enterFunction(String name) {
        if (functionDepth == functions.length) {
            functions = Arrays.copyOf(functions, functionDepth * 2);
        }
        functions[functionDepth++] = name;
    }

    void exitFunction() {
        if (functionDepth > 0) {
            functions[--functionDepth] = null;
        }
    }

    String innermostFunction() {
        return functionDepth == 0 ? null : functions[functionDepth - 1];
    }

    /** The kernel function stack, innermost first. */
    List<String> functionsInnermostFirst() {
        List<String> out = new ArrayList<>(functionDepth);
        for (int i = functionDepth - 1; i >= 0; i--) {
            out.add(functions[i]);
        }
        return out;
    }

    void enterOperation(Guard guard) {
        if (operationDepth == operations.length) {
            operations = Arrays.copyOf(operations, operationDepth * 2);
        }
        operations[operationDepth++] = guard;
    }

    void exitOperation() {
        if (operationDepth > 0) {
            operations[--operationDepth] = null;
        }
    }

    Guard activeGuard() {
        return operationDepth == 0 ? Guard.processDefault() : operations[operationDepth - 1];
    }

    /**
     * {@code __might_resched()}'s test: sleeping is invalid unless preempt_count and the RCU
     * nesting equal what the caller expects ({@code resched_offsets_ok}), irqs are on and
     * non_block is zero.
     */
    boolean invalidForSleep(int rcuExpected) {
        return preemptCount != 0 || rcuDepth != rcuExpected || irqsDisabled != 0 || nonBlock != 0;
    }

    boolean invalidForSleep() {
        return invalidForSleep(0);
    }
}
