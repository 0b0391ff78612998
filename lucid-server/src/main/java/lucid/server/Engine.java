package lucid.server;

import lucid.generate.Session;
import lucid.model.Model;
import lucid.model.SequenceBatch;
import lucid.tensor.WorkerPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: stepper threads ("lanes") advance the busy slots one token at a time. A
 * lane takes the next slot no other lane holds, round-robin, and with it (unless the model is
 * cache-resident, below) all the other slots that are decoding: those go through the model
 * together in one pass that reads each weight once for all of them ({@link Session#evaluate(Session[], int[], int, SequenceBatch)},
 * each sequence getting the bits it would get alone). A prompt, or a traced request (whose
 * observers watch its own pass), steps alone. A waiting request takes a free slot whenever a
 * lane comes by (the free slot whose cached tokens share the longest prefix with its prompt).
 *
 * <p>There is a lane per thread (at most one per slot), and the threads are shared by the lanes
 * that are stepping. With a model read from memory at every step (most), one lane takes all the
 * decoding slots, so the weights stream once per step for all of them, on all threads while no
 * other lane has work — another lane meanwhile takes a new request's prompt, so streams do not
 * stall behind it. A model small enough to stay in the CPU's caches (stories260K) saves nothing
 * by batching — its weights are already at hand, and four sequences' caches beside them spill
 * a core's L2 (measured: 4 slots 14–18k t/s stepped one at a time, 10–14k batched) — and its
 * steps are too short to split over threads: each lane steps one slot at a time on its own core,
 * preferring its own slots. The lanes never wait for each other at the end of a round. Admission
 * is bounded: slots + queue requests at once, beyond that {@link #submit} refuses.
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
    private final int laneCount;
    /** Whether the model is cache-resident: each lane steps one slot at a time (no batching), rather than one lane batching all. */
    private final boolean cacheResident;
    /** Lanes stepping now (guarded by lock): they share the threads. */
    private int stepping;
    /** Lanes stepping a batch of decoding slots now (guarded by lock); unless {@link #cacheResident}, at most one. */
    private int decoding;
    /** Each lane's buffers for stepping several slots at once. */
    private final List<SequenceBatch> batches = new ArrayList<>();
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
        laneCount = Math.min(config.threads(), config.parallel());
        cacheResident = isCacheResident(model);
        for (int i = 0; i < laneCount; i++) {
            batches.add(new SequenceBatch(model.config(), config.parallel(), new WorkerPool(config.threads())));
        }
        for (int i = 0; i < laneCount; i++) {
            SequenceBatch batch = batches.get(i);
            int lane = i;
            lanes.add(Thread.ofPlatform().name("lucid-engine-" + i).daemon().start(() -> lane(lane, batch)));
        }
    }

    /** Weights up to this size count as cache-resident (a few MB of L2 and L3 per core here). */
    static final long CACHE_RESIDENT_BYTES = 16L << 20;

    /** Whether the model is cache-resident, so slots step one at a time, spread over the lanes (see the class comment). */
    static boolean isCacheResident(Model model) {
        String forced = System.getProperty("lucid.server.cacheResident"); // for measuring both ways
        return forced != null ? Boolean.parseBoolean(forced)
                : model.transformer().weights().streamedBytesPerToken() <= CACHE_RESIDENT_BYTES;
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

    /** A stepper thread: takes a slot (and its share of the decoding slots) no other lane holds, steps them, gives them back; repeat. */
    private void lane(int lane, SequenceBatch batch) {
        int[] group = new int[slots.size()];
        boolean[] more = new boolean[slots.size()];
        Session[] sessions = new Session[slots.size()];
        int[] tokens = new int[slots.size()];
        int size = 0;
        boolean batching = false;
        while (running) {
            lock.lock();
            try {
                for (int g = 0; g < size; g++) {
                    held[group[g]] = false;
                    if (!more[g]) {
                        admitted--;
                    }
                }
                if (size > 0) {
                    metrics.stepped(size);
                    stepping--;
                    decoding -= batching ? 1 : 0;
                }
                size = 0;
                admitWaiting();
                int first = nextRunnable(lane);
                if (first < 0) {
                    work.awaitUninterruptibly();
                    continue;
                }
                batching = slots.get(first).batchable();
                size = take(first, group);
                stepping++;
                decoding += batching ? 1 : 0;
                int parallelism = Math.max(1, config.threads() / stepping);
                pools.get(group[0]).setParallelism(parallelism);
                batch.pool().setParallelism(parallelism);
                if (nextRunnable(-1) >= 0) {
                    work.signal(); // more work than this lane: wake another (only then, not every step)
                }
            } finally {
                lock.unlock();
            }
            if (!batching) {
                more[0] = slots.get(group[0]).step();
            } else {
                stepTogether(group, size, more, sessions, tokens, batch);
            }
        }
    }

    /**
     * Holds {@code first} and, when it is decoding (and the model is not cache-resident), all the
     * other decoding slots no lane holds. Returns how many it took.
     */
    private int take(int first, int[] group) {
        held[first] = true;
        group[0] = first;
        int size = 1;
        if (cacheResident || !slots.get(first).batchable()) {
            return 1;
        }
        for (int k = 1; k < slots.size(); k++) {
            int i = (first + k) % slots.size();
            if (!held[i] && slots.get(i).batchable()) {
                held[i] = true;
                group[size++] = i;
            }
        }
        return size;
    }

    /** A decode step for the slots in group[0..size): each samples its token, then one pass runs those still going. */
    private void stepTogether(int[] group, int size, boolean[] more, Session[] sessions, int[] tokens, SequenceBatch batch) {
        int count = 0;
        for (int g = 0; g < size; g++) {
            Slot slot = slots.get(group[g]);
            int token;
            try {
                token = slot.chooseNext();
            } catch (RuntimeException | Error e) {
                slot.fail(e);
                token = -1;
            }
            more[g] = token >= 0;
            if (token >= 0) {
                sessions[count] = slot.session;
                tokens[count++] = token;
            }
        }
        if (count == 0) {
            return;
        }
        try {
            Session.evaluate(sessions, tokens, count, batch);
            for (int g = 0; g < size; g++) {
                if (more[g]) {
                    slots.get(group[g]).evaluated();
                }
            }
        } catch (RuntimeException | Error e) {
            for (int g = 0; g < size; g++) {
                if (more[g]) {
                    slots.get(group[g]).fail(e);
                    more[g] = false;
                }
            }
        }
        java.util.Arrays.fill(sessions, 0, count, null);
    }

    /**
     * Slot i "belongs" to lane i mod lanes: for a cache-resident model a lane prefers its own slots, so a
     * sequence's KV cache stays in one core's cache instead of moving between cores every step
     * (moving cost a small model a sixth of its throughput).
     */
    private boolean ownedBy(int slot, int lane) {
        return slot % laneCount == lane;
    }

    /**
     * The next busy slot after the cursor that no lane holds and that may start now, or -1;
     * advances the cursor (round-robin). For a cache-resident model, {@code lane}'s own slots come first
     * (-1: any lane's).
     */
    private int nextRunnable(int lane) {
        for (int pass = cacheResident && lane >= 0 ? 0 : 1; pass < 2; pass++) {
            for (int k = 0; k < slots.size(); k++) {
                int i = (cursor + k) % slots.size();
                Slot s = slots.get(i);
                // otherwise decoding slots wait for the one batch rather than start a second stream of the weights
                if (s.busy() && !held[i] && (cacheResident || decoding == 0 || !s.batchable()) && (pass == 1 || ownedBy(i, lane))) {
                    cursor = i + 1;
                    return i;
                }
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
            try {
                best.start(job, config.timeoutSeconds());
            } catch (RuntimeException | Error e) { // the lane must live on, and the client must hear
                best.stop();
                admitted--;
                job.emit(new Event.Failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
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
        batches.forEach(b -> b.pool().close());
    }
}
