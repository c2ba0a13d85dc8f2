package org.pfncache.guard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A thread's kernel context, the analogue of {@code current->preempt_count},
 * {@code current->non_block_count} and lockdep's held-lock stack. Only its own thread touches it,
 * so its fields are plain; a report copies them on that same thread.
 */
final class ThreadContext {
    int preemptCount;
    int nonBlock;
    int irqsDisabled;
    private HeldLock[] held = new HeldLock[8];
    private int depth;
    private Guard[] operations = new Guard[4];
    private int operationDepth;

    void push(Object lock, String name, String site) {
        if (depth == held.length) {
            held = Arrays.copyOf(held, depth * 2);
        }
        held[depth++] = new HeldLock(lock, name, site);
    }

    /** Removes the innermost entry for {@code lock}; locks need not be released in LIFO order. */
    void pop(Object lock) {
        for (int i = depth - 1; i >= 0; i--) {
            if (held[i].lock() == lock) {
                System.arraycopy(held, i + 1, held, i, depth - i - 1);
                held[--depth] = null;
                return;
            }
        }
    }

    List<String> heldLocks() {
        List<String> out = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            out.add(held[i].toString());
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

    boolean invalidForSleep() {
        return preemptCount != 0 || irqsDisabled != 0 || nonBlock != 0;
    }
}
