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
    /** The held-lock stack as parallel arrays, so that taking a lock allocates nothing. */
    private Object[] heldLock = new Object[8];
    private String[] heldName = new String[8];
    private String[] heldSite = new String[8];
    private int depth;
    private Guard[] operations = new Guard[4];
    private int operationDepth;

    void push(Object lock, String name, String site) {
        if (depth == heldLock.length) {
            heldLock = Arrays.copyOf(heldLock, depth * 2);
            heldName = Arrays.copyOf(heldName, depth * 2);
            heldSite = Arrays.copyOf(heldSite, depth * 2);
        }
        heldLock[depth] = lock;
        heldName[depth] = name;
        heldSite[depth] = site;
        depth++;
    }

    /** Removes the innermost entry for {@code lock}; locks need not be released in LIFO order. */
    void pop(Object lock) {
        for (int i = depth - 1; i >= 0; i--) {
            if (heldLock[i] == lock) {
                int tail = depth - i - 1;
                System.arraycopy(heldLock, i + 1, heldLock, i, tail);
                System.arraycopy(heldName, i + 1, heldName, i, tail);
                System.arraycopy(heldSite, i + 1, heldSite, i, tail);
                depth--;
                heldLock[depth] = null;
                heldName[depth] = null;
                heldSite[depth] = null;
                return;
            }
        }
    }

    List<String> heldLocks() {
        List<String> out = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            out.add(heldSite[i] == null ? heldName[i] : heldName[i] + " at " + heldSite[i]);
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
