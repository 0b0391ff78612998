package lucid.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** Counters for GET /metrics, in Prometheus's text format. */
final class Metrics {
    private final ConcurrentHashMap<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private volatile double tokensPerSecond;
    private long windowStart = System.nanoTime();
    private long windowTokens;

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\",status=\"" + status, k -> new AtomicLong()).incrementAndGet();
    }

    void prompt(int tokens) {
        promptTokens.addAndGet(tokens);
    }

    /** A scheduler round that advanced {@code active} sequences by a token each. */
    synchronized void stepped(int active) {
        generatedTokens.addAndGet(active);
        steps.incrementAndGet();
        windowTokens += active;
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            tokensPerSecond = windowTokens * 1e9 / (now - windowStart);
            windowStart = now;
            windowTokens = 0;
        }
    }

    String render(IntSupplier queueDepth, IntSupplier busySlots, int slots) {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP lucid_requests_total HTTP requests by endpoint and status.\n# TYPE lucid_requests_total counter\n");
        requests.forEach((k, v) -> sb.append("lucid_requests_total{endpoint=\"").append(k).append("\"} ").append(v.get()).append('\n'));
        sb.append("# HELP lucid_prompt_tokens_total Prompt tokens received.\n# TYPE lucid_prompt_tokens_total counter\n")
                .append("lucid_prompt_tokens_total ").append(promptTokens.get()).append('\n');
        sb.append("# HELP lucid_generation_steps_total Sequence steps run (prompts and generated tokens).\n# TYPE lucid_generation_steps_total counter\n")
                .append("lucid_generation_steps_total ").append(generatedTokens.get()).append('\n');
        sb.append("# HELP lucid_queue_depth Requests waiting for a slot.\n# TYPE lucid_queue_depth gauge\n")
                .append("lucid_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        sb.append("# HELP lucid_busy_slots Slots generating now.\n# TYPE lucid_busy_slots gauge\n")
                .append("lucid_busy_slots ").append(busySlots.getAsInt()).append('\n');
        sb.append("# HELP lucid_slots Slots configured (--parallel).\n# TYPE lucid_slots gauge\n")
                .append("lucid_slots ").append(slots).append('\n');
        sb.append("# HELP lucid_tokens_per_second Sequence steps per second over the last second of work.\n# TYPE lucid_tokens_per_second gauge\n")
                .append("lucid_tokens_per_second ").append(String.format(java.util.Locale.ROOT, "%.2f", tokensPerSecond)).append('\n');
        return sb.toString();
    }
}
