package lucid.server;

import lucid.model.CacheType;

/**
 * How the server runs.
 *
 * @param host              interface to bind (127.0.0.1 unless asked otherwise)
 * @param parallel          sequences decoded at once, each with its own KV cache slot
 * @param queue             requests that may wait for a slot; beyond parallel + queue: 429
 * @param apiKey            required as "Authorization: Bearer KEY" on /v1 routes, or null
 * @param context           tokens per slot
 * @param maxTokens         the largest max_tokens a request may ask for
 * @param maxRequestBytes   the largest request body
 * @param timeoutSeconds    a request's generation is cut off after this long
 * @param threads           threads for the model's products
 */
public record ServerConfig(String host, int port, int parallel, int queue, String apiKey, int context, int maxTokens,
                           int maxRequestBytes, int timeoutSeconds, int threads, CacheType cacheType) {
    public ServerConfig {
        if (parallel < 1 || parallel > 256) {
            throw new lucid.LucidException("--parallel must be between 1 and 256, got " + parallel);
        }
        if (queue < 0) {
            throw new lucid.LucidException("--queue must be 0 or more, got " + queue);
        }
        if (port < 0 || port > 65535) {
            throw new lucid.LucidException("--port must be between 0 and 65535, got " + port);
        }
    }
}
