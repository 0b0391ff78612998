package lucid.server;

import lucid.sampling.SamplerSettings;
import lucid.trace.TraceOptions;

import java.util.List;

/**
 * One validated generation request, whatever the endpoint.
 *
 * @param prompt        the prompt tokens (BOS included where the model wants it)
 * @param maxTokens     tokens to generate at most
 * @param stop          strings that end the generation (not included in the output)
 * @param logprobs      how many top alternatives to report per token; -1 = no logprobs at all
 * @param trace         Lucid's extension: record a trace with these options, or null
 * @param chat          whether the answer ends at the chat template's end-of-turn
 */
record GenerationRequest(int[] prompt, int maxTokens, SamplerSettings sampling, List<String> stop, int logprobs,
                         boolean stream, boolean includeUsage, TraceOptions trace, boolean chat) {}
