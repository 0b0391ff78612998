package lucid.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A request on its way through the engine: its events queue up here for the HTTP side. */
final class Job {
    final GenerationRequest request;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Set by the HTTP side when the client went away; the engine frees the slot at its next step. */
    volatile boolean cancelled;
    /** Prompt tokens found already in the slot's cache. */
    volatile int cachedTokens;

    Job(GenerationRequest request) {
        this.request = request;
    }

    void emit(Event e) {
        events.add(e);
    }

    /** The next event, waiting at most {@code millis}; null on timeout. */
    Event next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }
}
