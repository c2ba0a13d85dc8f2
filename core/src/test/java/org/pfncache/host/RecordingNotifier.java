package org.pfncache.host;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.pfncache.guard.ContextGuard;

/** A test notifier: records every callback with the caller's non_block count, refuses on demand. */
final class RecordingNotifier implements MmuNotifier {
    enum Kind { START, END }

    /** One callback: which, the range, non_block seen inside it, what start returned (END: true). */
    record Call(Kind kind, MmuNotifierRange range, int nonBlock, boolean result) {
    }

    private final String name;
    private final List<Call> calls = new ArrayList<>();
    private volatile Predicate<MmuNotifierRange> refuse = r -> false;
    private volatile Consumer<MmuNotifierRange> onStart = r -> { };
    private volatile Consumer<MmuNotifierRange> onEnd = r -> { };

    RecordingNotifier(String name) {
        this.name = name;
    }

    RecordingNotifier refuseWhen(Predicate<MmuNotifierRange> p) {
        this.refuse = p;
        return this;
    }

    RecordingNotifier onStart(Consumer<MmuNotifierRange> c) {
        this.onStart = c;
        return this;
    }

    RecordingNotifier onEnd(Consumer<MmuNotifierRange> c) {
        this.onEnd = c;
        return this;
    }

    @Override
    public boolean invalidateRangeStart(MmuNotifierRange range) {
        int nb = ContextGuard.nonBlockCount();
        onStart.accept(range);
        boolean ok = !refuse.test(range);
        synchronized (calls) {
            calls.add(new Call(Kind.START, range, nb, ok));
        }
        return ok;
    }

    @Override
    public void invalidateRangeEnd(MmuNotifierRange range) {
        int nb = ContextGuard.nonBlockCount();
        onEnd.accept(range);
        synchronized (calls) {
            calls.add(new Call(Kind.END, range, nb, true));
        }
    }

    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    List<Call> calls(Kind kind) {
        return calls().stream().filter(c -> c.kind() == kind).toList();
    }

    /** Starts that returned true minus ends: 0 when every accepted start got its end. */
    int openStarts() {
        int open = 0;
        for (Call c : calls()) {
            if (c.kind() == Kind.START && c.result()) {
                open++;
            } else if (c.kind() == Kind.END) {
                open--;
            }
        }
        return open;
    }

    @Override
    public String toString() {
        return "RecordingNotifier(" + name + ")";
    }
}
