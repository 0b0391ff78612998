package lucid.server;

import lucid.model.Model;
import lucid.tensor.WorkerPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: one scheduler thread steps every busy slot by one token per round, and a
 * waiting request takes a free slot between rounds (the free slot whose cached tokens share the
 * longest prefix with its prompt). With several slots busy their steps run on different threads,
 * each slot's forward pass single-threaded; with one slot, the forward pass uses all threads.
 * Admission is bounded: slots + queue requests at once, beyond that {@link #submit} refuses.
 */
final class Engine implements AutoCloseable {
    private final ServerConfig config;
    private final List<Slot> slots = new ArrayList<>();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final WorkerPool stepPool;
    private final List<WorkerPool> ownPools = new ArrayList<>();
    private final Thread thread;
    private final Metrics metrics;
    private volatile boolean running = true;
    private int admitted;

    Engine(Model model, ServerConfig config, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        if (config.parallel() == 1) {
            WorkerPool pool = new WorkerPool(config.threads());
            ownPools.add(pool);
            slots.add(new Slot(model, model.newSession(config.context(), pool, config.cacheType())));
            stepPool = new WorkerPool(1);
        } else {
            for (int i = 0; i < config.parallel(); i++) {
                WorkerPool single = new WorkerPool(1);
                ownPools.add(single);
                slots.add(new Slot(model, model.newSession(config.context(), single, config.cacheType())));
            }
            stepPool = new WorkerPool(Math.min(config.threads(), config.parallel()));
        }
        thread = Thread.ofPlatform().name("lucid-engine").daemon().start(this::loop);
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

    private void loop() {
        List<Slot> active = new ArrayList<>();
        while (running) {
            lock.lock();
            try {
                admitWaiting();
                active.clear();
                for (Slot s : slots) {
                    if (s.busy()) {
                        active.add(s);
                    }
                }
                if (active.isEmpty()) {
                    work.awaitUninterruptibly();
                    continue;
                }
            } finally {
                lock.unlock();
            }
            boolean[] more = new boolean[active.size()];
            if (active.size() == 1) {
                more[0] = active.getFirst().step();
            } else {
                WorkerPool.Chunks chunks = new WorkerPool.Chunks();
                chunks.reset(active.size(), stepPool.threads(), 1);
                stepPool.invoke(thread -> {
                    for (int i = chunks.take(); i >= 0; i = chunks.take()) {
                        for (int k = i; k < chunks.end(i); k++) {
                            more[k] = active.get(k).step();
                        }
                    }
                });
            }
            int finished = 0;
            for (boolean m : more) {
                finished += m ? 0 : 1;
            }
            metrics.stepped(active.size());
            if (finished > 0) {
                lock.lock();
                try {
                    admitted -= finished;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Gives waiting jobs the free slots, preferring the slot that has most of the prompt cached. */
    private void admitWaiting() {
        while (!waiting.isEmpty()) {
            Slot best = null;
            int bestShared = -1;
            Job job = waiting.peek();
            for (Slot s : slots) {
                if (!s.busy()) {
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
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stepPool.close();
        ownPools.forEach(WorkerPool::close);
    }
}
