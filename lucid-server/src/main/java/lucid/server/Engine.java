package lucid.server;

import lucid.model.Model;
import lucid.tensor.WorkerPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: a few stepper threads ("lanes", as many as there are threads) advance the
 * busy slots by one token at a time, each lane taking the next slot that no other lane holds,
 * round-robin; a waiting request takes a free slot whenever a lane comes by (the free slot whose
 * cached tokens share the longest prefix with its prompt). The threads are shared out: a slot's
 * forward pass runs on threads / busy slots of them (all of them when it is alone, one each when
 * the slots outnumber the threads), and the lanes never wait for each other at the end of a
 * round (a prompt, sampling or a longer cache make steps differ in length). Admission is bounded:
 * slots + queue requests at once, beyond that {@link #submit} refuses.
 */
final class Engine implements AutoCloseable {
    private final ServerConfig config;
    private final List<Slot> slots = new ArrayList<>();
    /** Each slot's worker pool (config.threads() threads, of which the slot uses its share). */
    private final List<WorkerPool> pools = new ArrayList<>();
    /** Whether a lane is stepping slot i now (guarded by lock). */
    private final boolean[] held;
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final List<Thread> lanes = new ArrayList<>();
    private final Metrics metrics;
    private volatile boolean running = true;
    private int admitted;
    private int cursor;

    Engine(Model model, ServerConfig config, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        for (int i = 0; i < config.parallel(); i++) {
            WorkerPool pool = new WorkerPool(config.threads());
            pools.add(pool);
            slots.add(new Slot(model, model.newSession(config.context(), pool, config.cacheType())));
        }
        held = new boolean[slots.size()];
        for (int i = 0; i < Math.min(config.threads(), config.parallel()); i++) {
            lanes.add(Thread.ofPlatform().name("lucid-engine-" + i).daemon().start(this::lane));
        }
    }

    /** Queues a request, or refuses it when slots and queue are full. */
    Job submit(GenerationRequest request) {
        lock.lock();
        try {
            if (admitted >= config.parallel() + config.queue()) {
                throw new ApiError(429, "rate_limit_exceeded", null, "server_busy",
                        "the server is busy: " + admitted + " requests are running or waiting (" + config.parallel() + " slots, queue of "
                                + config.queue() + "); retry shortly");
            }
            Job job = new Job(request);
            admitted++;
            waiting.add(job);
            work.signal();
            return job;
        } finally {
            lock.unlock();
        }
    }

    int queueDepth() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    int busySlots() {
        lock.lock();
        try {
            return (int) slots.stream().filter(Slot::busy).count();
        } finally {
            lock.unlock();
        }
    }

    /** A stepper thread: takes a busy slot no other lane holds, steps it, gives it back; repeat. */
    private void lane() {
        int slot = -1;
        boolean more = true;
        while (running) {
            lock.lock();
            try {
                if (slot >= 0) {
                    held[slot] = false;
                    metrics.stepped(1);
                    if (!more) {
                        admitted--;
                    }
                }
                admitWaiting();
                slot = nextRunnable();
                if (slot < 0) {
                    work.awaitUninterruptibly();
                    continue;
                }
                held[slot] = true;
                int busy = 0;
                for (Slot s : slots) {
                    busy += s.busy() ? 1 : 0;
                }
                pools.get(slot).setParallelism(Math.max(1, config.threads() / busy));
                if (nextRunnable() >= 0) {
                    work.signal(); // more work than this lane: wake another (only then, not every step)
                }
            } finally {
                lock.unlock();
            }
            more = slots.get(slot).step();
        }
    }

    /** The next busy slot after the cursor that no lane holds, or -1; advances the cursor (round-robin). */
    private int nextRunnable() {
        for (int k = 0; k < slots.size(); k++) {
            int i = (cursor + k) % slots.size();
            if (slots.get(i).busy() && !held[i]) {
                cursor = i + 1;
                return i;
            }
        }
        return -1;
    }

    /** Gives waiting jobs the free slots, preferring the slot that has most of the prompt cached. */
    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            Slot best = null;
            int bestShared = -1;
            Job job = waiting.peek();
            for (int i = 0; i < slots.size(); i++) {
                Slot s = slots.get(i);
                if (!s.busy() && !held[i]) { // a held slot may be finishing its last step
                    int shared = s.session.commonPrefix(job.request.prompt());
                    if (shared > bestShared) {
                        best = s;
                        bestShared = shared;
                    }
                }
            }
            if (best == null) {
                return;
            }
            waiting.poll();
            if (job.cancelled) {
                admitted--;
                continue;
            }
            best.start(job, config.timeoutSeconds());
        }
    }

    @Override
    public void close() {
        running = false;
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread lane : lanes) {
            try {
                lane.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pools.forEach(WorkerPool::close);
    }
}
