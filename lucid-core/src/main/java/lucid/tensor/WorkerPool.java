package lucid.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for the forward pass's parallel loops.
 *
 * <p>{@link #invoke(Job)} runs a job on every thread at once (the caller included) and returns
 * when all are done; the job hands out its own pieces of work (see {@link Chunks}). Workers spin
 * briefly between jobs, because a decode step issues dozens of short jobs back to back and
 * waking a parked thread costs more than most of them; after about {@link #SPIN_NANOS} without
 * work they park, so an idle pool uses no CPU.
 *
 * <p>One job runs at a time: {@code invoke} is meant to be called from one thread (a session's).
 * A server that steps several sessions side by side lowers each session's {@link #parallelism}
 * between steps, so that the sessions together use as many threads as there are cores.
 */
public final class WorkerPool implements AutoCloseable {

    /** A piece of parallel work; {@link #work(int)} runs once on each of the pool's threads. */
    public interface Job {
        /** @param thread 0 for the calling thread, 1..threads-1 for the workers */
        void work(int thread);
    }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private volatile Job job;
    /** The threads that run the next job (the caller and workers 1..parallelism-1). */
    private volatile int parallelism;
    /**
     * Counts jobs (upper bits) and says how many threads run the current one (low 16 bits): one
     * volatile word, so a worker that wakes late cannot pair one job's count with another job.
     */
    private volatile long generation;
    private volatile boolean closed;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger[] sleeping;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.parallelism = threads;
        this.workers = new Thread[threads - 1];
        this.sleeping = new AtomicInteger[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            sleeping[i] = new AtomicInteger();
            workers[i] = Thread.ofPlatform().daemon().name("lucid-worker-" + index).unstarted(() -> loop(index));
            workers[i].start();
        }
    }

    /** The number of threads that run each job, the caller included. */
    public int threads() {
        return threads;
    }

    /** The threads that run each job now: {@link #threads()} unless lowered by {@link #setParallelism}. */
    public int parallelism() {
        return parallelism;
    }

    /**
     * Runs later jobs on the caller and the first {@code n - 1} workers only (1 ≤ n ≤ threads);
     * the others stay parked. Call between jobs, from the thread that invokes them. Results do not
     * depend on it: every kernel gives each output element to one thread.
     */
    public void setParallelism(int n) {
        if (n < 1 || n > threads) {
            throw new IllegalArgumentException("parallelism must be between 1 and " + threads + ", got " + n);
        }
        parallelism = n;
    }

    /** Runs {@code job} on {@link #parallelism()} threads and waits for all of them; rethrows the first failure. */
    public void invoke(Job job) {
        int n = parallelism;
        if (n == 1) {
            job.work(0);
            return;
        }
        if (closed) {
            throw new IllegalStateException("the worker pool is closed");
        }
        failure = null;
        this.job = job;
        running.set(n - 1);
        generation = ((generation >>> 16) + 1) << 16 | n; // volatile write publishes job and running
        for (int i = 0; i < n - 1; i++) {
            if (sleeping[i].get() != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        try {
            job.work(0);
        } finally {
            awaitWorkers();
        }
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    private void awaitWorkers() {
        int spins = 0;
        while (running.get() != 0) {
            if (++spins < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void loop(int index) {
        long seen = 0;
        AtomicInteger mySleep = sleeping[index - 1];
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if ((++spins & 255) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    // Announce the nap, then look once more: invoke() either sees the flag and
                    // unparks us, or we see its new generation here (both sides are volatile).
                    mySleep.set(1);
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    mySleep.set(0);
                    spinStart = System.nanoTime();
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            if (index >= (int) (seen & 0xFFFF)) {
                continue; // not needed for this job
            }
            try {
                job.work(index);
            } catch (Throwable t) {
                failure = t;
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Hands out chunks [start, end) of a range of {@code count} items to whichever thread asks
     * next, so a thread slowed by the machine does not hold up the others. Reusable: call
     * {@link #reset} before each job (no allocation per job).
     */
    public static final class Chunks {
        private final AtomicInteger next = new AtomicInteger();
        private int count;
        private int chunk;

        public void reset(int count, int threads, int minChunk) {
            this.count = count;
            this.chunk = Math.max(minChunk, count / (threads * 8) + 1);
            next.set(0);
        }

        /** The start of the next chunk, or -1 when all are taken; the chunk ends at {@link #end(int)}. */
        public int take() {
            int start = next.getAndAdd(chunk);
            return start < count ? start : -1;
        }

        public int end(int start) {
            return Math.min(count, start + chunk);
        }
    }
}
