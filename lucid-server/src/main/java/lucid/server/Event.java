package lucid.server;

import lucid.trace.Trace;

import java.util.List;

/** What the engine reports about a running request, in order: tokens, then one end. */
sealed interface Event {
    /** One alternative with its log-probability under the model (temperature 1). */
    record Alternative(int id, String text, byte[] bytes, double logprob) {}

    /**
     * A generated token.
     *
     * @param text         the text it completes now (may be empty while a character is incomplete, or
     *                     held back while it may be the start of a stop string)
     * @param tokenText    the token's own text, for logprobs
     * @param alternatives the model's top tokens (only when logprobs were asked for)
     * @param step         the trace step (only when a trace was asked for)
     */
    record Token(int id, String text, String tokenText, byte[] tokenBytes, double logprob, List<Alternative> alternatives,
                 Trace.Step step) implements Event {}

    /** The end: why, with the counts for "usage", and the whole trace if one was recorded. */
    record Done(String finishReason, int promptTokens, int completionTokens, String trailingText, Trace trace) implements Event {}

    /** The request failed inside the engine. */
    record Failed(String message) implements Event {}
}
