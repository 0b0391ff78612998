package lucid.generate;

import lucid.LucidException;
import lucid.sampling.SamplerChain;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * The decode loop: evaluate the prompt, then repeatedly choose a token from the logits, hand it
 * to the listener, and feed it back — until an end-of-generation token, the token limit, or a
 * full context.
 */
public final class Generator {
    private Generator() {}

    /**
     * @param session     an empty or partly filled session; the prompt is appended to it
     * @param prompt      the prompt tokens (BOS included if the model wants one); not empty
     * @param maxTokens   tokens to generate at most; negative = until end or a full context
     * @param sampler     chooses each token; it {@linkplain SamplerChain#accept accepts} the prompt and each choice
     * @param isEnd       which tokens end the generation (EOS, end-of-turn)
     * @param onToken     receives each chosen token as soon as it is chosen
     */
    public static GenerationResult generate(Session session, int[] prompt, int maxTokens, SamplerChain sampler,
                                            IntPredicate isEnd, IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new LucidException("the prompt is empty and the model has no BOS token to start from; give a prompt with -p");
        }
        if (prompt.length > session.contextLength() - session.length()) {
            throw new ContextFullException(session.contextLength(), session.length() + prompt.length);
        }
        for (int token : prompt) {
            sampler.accept(token);
        }
        long start = System.nanoTime();
        float[] logits = session.evaluate(prompt);
        long promptDone = System.nanoTime();

        int[] generated = new int[16];
        int count = 0;
        StopReason reason;
        while (true) {
            if (maxTokens >= 0 && count >= maxTokens) {
                reason = StopReason.MAX_TOKENS;
                break;
            }
            int token = sampler.sample(logits);
            if (session.observer() != null) {
                session.observer().onChoice(session.length(), token, sampler.lastCandidates());
            }
            sampler.accept(token);
            if (count == generated.length) {
                generated = Arrays.copyOf(generated, count * 2);
            }
            generated[count++] = token;
            onToken.accept(token);
            if (isEnd.test(token)) {
                reason = StopReason.END_OF_SEQUENCE;
                break;
            }
            if (session.isFull()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            logits = session.evaluate(token);
        }
        long end = System.nanoTime();
        return new GenerationResult(prompt, Arrays.copyOf(generated, count), reason, promptDone - start, end - promptDone);
    }
}
