package lucid.chat;

import lucid.tokenizer.Vocabulary;

/**
 * Chat formats for models whose file carries no template, written from the model cards' own
 * descriptions of each format (Lucid's templates, in the Jinja dialect Hugging Face uses, so
 * they render through the same path as a model's own). {@link #forVocabulary} picks one from the
 * control tokens the vocabulary has.
 */
public enum BuiltInTemplate {
    /**
     * ChatML (OpenAI's chat markup; Qwen, Yi, SmolLM, many fine-tunes):
     * {@code <|im_start|>ROLE\nTEXT<|im_end|>\n} per message, {@code <|im_start|>assistant\n} to answer.
     */
    CHATML("ChatML", "<|im_end|>", """
            {%- for message in messages -%}
            {{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{ '<|im_start|>assistant\\n' }}
            {%- endif -%}
            """),

    /**
     * Llama 2 chat (Meta's model card): {@code <s>[INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST] ANSWER </s>}
     * then {@code <s>[INST] USER [/INST]}; the system prompt goes into the first user turn, and
     * user and assistant must alternate.
     */
    LLAMA2("Llama 2", "</s>", """
            {%- if messages and messages[0]['role'] == 'system' -%}
            {%- set system = messages[0]['content'] | trim -%}
            {%- set turns = messages[1:] -%}
            {%- else -%}
            {%- set system = '' -%}
            {%- set turns = messages -%}
            {%- endif -%}
            {%- for message in turns -%}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
            {{ raise_exception('Llama 2 conversations alternate user and assistant messages after an optional system message') }}
            {%- endif -%}
            {%- if message['role'] == 'user' -%}
            {%- set text = message['content'] | trim -%}
            {%- if loop.first and system -%}
            {%- set text = '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + text -%}
            {%- endif -%}
            {{ bos_token + '[INST] ' + text + ' [/INST]' }}
            {%- else -%}
            {{ ' ' + (message['content'] | trim) + ' ' + eos_token }}
            {%- endif -%}
            {%- endfor -%}
            """),

    /**
     * Llama 3 (Meta's model card): {@code <|begin_of_text|>} once, then per message
     * {@code <|start_header_id|>ROLE<|end_header_id|>\n\nTEXT<|eot_id|>}; the answer follows an
     * assistant header.
     */
    LLAMA3("Llama 3", "<|eot_id|>", """
            {{- bos_token -}}
            {%- for message in messages -%}
            {{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif -%}
            """),

    /**
     * Gemma (Google's formatting guide): {@code <start_of_turn>user\nTEXT<end_of_turn>\n} and
     * {@code <start_of_turn>model\n...}; Gemma has no system role, so the system prompt opens the
     * first user turn, followed by a blank line.
     */
    GEMMA("Gemma", "<end_of_turn>", """
            {{- bos_token -}}
            {%- if messages and messages[0]['role'] == 'system' -%}
            {%- set preamble = (messages[0]['content'] | trim) + '\\n\\n' -%}
            {%- set turns = messages[1:] -%}
            {%- else -%}
            {%- set preamble = '' -%}
            {%- set turns = messages -%}
            {%- endif -%}
            {%- for message in turns -%}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
            {{ raise_exception('Gemma conversations alternate user and assistant messages after an optional system message') }}
            {%- endif -%}
            {%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}
            {{ '<start_of_turn>' + role + '\\n' + (preamble if loop.first else '') + (message['content'] | trim) + '<end_of_turn>\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{ '<start_of_turn>model\\n' }}
            {%- endif -%}
            """),

    /**
     * Phi-3 (Microsoft's model card): {@code <|system|>\nTEXT<|end|>\n}, {@code <|user|>\n...},
     * {@code <|assistant|>\n...}; the answer follows {@code <|assistant|>\n}.
     */
    PHI3("Phi-3", "<|end|>", """
            {%- for message in messages -%}
            {{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{ '<|assistant|>\\n' }}
            {%- endif -%}
            """);

    private final String displayName;
    private final String endOfTurn;
    private final String source;

    BuiltInTemplate(String displayName, String endOfTurn, String source) {
        this.displayName = displayName;
        this.endOfTurn = endOfTurn;
        this.source = source;
    }

    /** The format's name, e.g. {@code Llama 3}. */
    public String displayName() {
        return displayName;
    }

    /** The text of the token that ends a turn in this format. */
    public String endOfTurn() {
        return endOfTurn;
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /**
     * The format called {@code name}: {@code chatml}, {@code llama2}, {@code llama3}, {@code gemma},
     * {@code phi3} (case and a hyphen or underscore before the number do not matter).
     *
     * @throws lucid.LucidException for any other name, listing these
     */
    public static BuiltInTemplate named(String name) {
        String key = name.toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "").replace(" ", "");
        for (BuiltInTemplate t : values()) {
            if (t.name().toLowerCase(java.util.Locale.ROOT).equals(key)) {
                return t;
            }
        }
        throw new lucid.LucidException("there is no built-in chat template \"" + name + "\"; the built-in ones are "
                + NAMES + ", or give a template file");
    }

    /** The names {@link #named} takes, for messages and help. */
    public static final String NAMES = "chatml, llama2, llama3, gemma, phi3";

    /**
     * The format the vocabulary was made for, told by its turn markers: {@code <|im_start|>} →
     * ChatML, {@code <|start_header_id|>} → Llama 3, {@code <start_of_turn>} → Gemma,
     * {@code <|user|>} with {@code <|end|>} → Phi-3, anything else → Llama 2's {@code [INST]}.
     */
    public static BuiltInTemplate forVocabulary(Vocabulary vocabulary) {
        if (vocabulary.id("<|im_start|>") >= 0) {
            return CHATML;
        }
        if (vocabulary.id("<|start_header_id|>") >= 0) {
            return LLAMA3;
        }
        if (vocabulary.id("<start_of_turn>") >= 0) {
            return GEMMA;
        }
        if (vocabulary.id("<|user|>") >= 0 && vocabulary.id("<|end|>") >= 0) {
            return PHI3;
        }
        return LLAMA2;
    }
}
