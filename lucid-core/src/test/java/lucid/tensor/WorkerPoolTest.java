package lucid.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {

    @Test
    void everyThreadRunsEachJobOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 2000; round++) {
                var seen = ConcurrentHashMap.<Integer>newKeySet();
                AtomicLong calls = new AtomicLong();
                pool.invoke(thread -> {
                    seen.add(thread);
                    calls.incrementAndGet();
                });
                assertThat(calls.get()).isEqualTo(3);
                assertThat(seen).containsExactlyInAnyOrder(0, 1, 2);
            }
        }
    }

    @Test
    void aLoweredParallelismRunsEachJobOnTheFirstThreadsOnly() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(4)) {
            java.util.Random random = new java.util.Random(5);
            for (int round = 0; round < 3000; round++) {
                int n = 1 + random.nextInt(4);
                pool.setParallelism(n);
                var seen = ConcurrentHashMap.<Integer>newKeySet();
                AtomicLong calls = new AtomicLong();
                pool.invoke(thread -> {
                    seen.add(thread);
                    calls.incrementAndGet();
                });
                assertThat(calls.get()).as("round %d, parallelism %d", round, n).isEqualTo(n);
                assertThat(seen).hasSize(n).allMatch(t -> t < n);
                if (round % 500 == 0) {
                    Thread.sleep(2); // let the workers park now and then
                }
            }
            assertThat(pool.threads()).isEqualTo(4);
            assertThatThrownBy(() -> pool.setParallelism(5)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.setParallelism(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void chunksCoverTheRangeExactlyOnce() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            WorkerPool.Chunks chunks = new WorkerPool.Chunks();
            int[] hits = new int[10_007];
            for (int round = 0; round < 50; round++) {
                chunks.reset(hits.length, pool.threads(), 3);
                pool.invoke(thread -> {
                    for (int s = chunks.take(); s >= 0; s = chunks.take()) {
                        for (int i = s; i < chunks.end(s); i++) {
                            hits[i]++;
                        }
                    }
                });
            }
            for (int h : hits) {
                assertThat(h).isEqualTo(50);
            }
            // workers park after spinning a while, and wake for the next job
            Thread.sleep(5);
            AtomicLong calls = new AtomicLong();
            pool.invoke(thread -> calls.incrementAndGet());
            assertThat(calls.get()).isEqualTo(2);
        }
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.invoke(thread -> {
                if (thread == 1) {
                    throw new IllegalStateException("boom in worker");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom in worker");
            AtomicLong calls = new AtomicLong();
            pool.invoke(thread -> calls.incrementAndGet());
            assertThat(calls.get()).isEqualTo(2);
        }
    }
}
