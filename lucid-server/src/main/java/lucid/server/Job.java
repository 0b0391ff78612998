package lucid.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request on its way through the engine: its events queue up here for the HTTP side.
 *
 * <p>The HTTP thread is woken for each token only when it streams them; a whole response waits
 * for the end. Waking a thread per token costs about as much CPU as a small model's step, so on
 * a busy server it would take the cores the slots need.
 */
final class Job {
    final GenerationRequest request;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Set by the HTTP side when the client went away; the engine frees the slot at its next step. */
    volatile boolean cancelled;
    /** Prompt tokens found already in the slot's cache. */
    volatile int cachedTokens;

    Job(GenerationRequest request) {
        this.request = request;
    }

    void emit(Event e) {
        lock.lock();
        try {
            events.add(e);
            if (request.stream() || !(e instanceof Event.Token)) {
                ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The events so far, in order, once the response can use them (the next token when streaming,
     * else the end), waiting at most {@code millis}; empty on timeout.
     */
    List<Event> next(long millis) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (!usable()) {
                if (nanos <= 0) {
                    return List.of();
                }
                nanos = ready.awaitNanos(nanos);
            }
            List<Event> batch = new ArrayList<>(events);
            events.clear();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private boolean usable() {
        return request.stream() ? !events.isEmpty() : !events.isEmpty() && !(events.peekLast() instanceof Event.Token);
    }
}
