package lucid.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import lucid.LucidException;
import lucid.gguf.GgufMetadata;
import lucid.tokenizer.Vocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a conversation into the text a model was trained on, with the model's own Jinja template
 * (GGUF {@code tokenizer.chat_template}, or {@code chat_template} in a Hugging Face
 * tokenizer_config.json) or a {@linkplain BuiltInTemplate built-in} one.
 *
 * {@snippet :
 * ChatTemplate template = ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary());
 * String prompt = template.render(List.of(Message.system("Be brief."), Message.user("Hi!")), true);
 * int[] ids = model.tokenizer().encode(prompt, false, true);   // turn markers as single tokens
 * }
 *
 * <p>Templates see what Hugging Face's {@code apply_chat_template} passes: {@code messages} (maps
 * with {@code role} and {@code content}), {@code add_generation_prompt}, {@code bos_token} and
 * {@code eos_token}; blocks are trimmed as there ({@code trim_blocks}, {@code lstrip_blocks}).
 * Rendering is done by Jinjava with nested interpretation off: the text of a message is only ever
 * data, so a message that contains {@code {{ 7*7 }}} comes out as written. Immutable.
 */
public final class ChatTemplate {
    /** The GGUF key of a model's default chat template. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    /** Texts of tokens that end a turn in the common formats; those a template writes stop generation. */
    private static final List<String> END_OF_TURN_TEXTS = List.of(
            "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "</s>");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final List<String> endOfTurnTexts;
    private final Jinjava jinjava;

    private ChatTemplate(String name, String source, String bosToken, String eosToken, List<String> endOfTurnTexts, Clock clock) {
        this.name = name;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.endOfTurnTexts = List.copyOf(endOfTurnTexts);
        this.jinjava = newJinjava(clock);
    }

    /**
     * A template from its Jinja source.
     *
     * @param name     what to call it in messages, e.g. "the model's tokenizer.chat_template"
     * @param bosToken the text of the BOS token ({@code bos_token}), "" if none
     * @param eosToken the text of the EOS token ({@code eos_token}), "" if none
     */
    public static ChatTemplate of(String name, String source, String bosToken, String eosToken) {
        return new ChatTemplate(name, source, bosToken, eosToken, endOfTurnTextsOf(source, eosToken), Clock.systemDefaultZone());
    }

    /** A built-in format, with the BOS and EOS texts of {@code vocabulary}. */
    public static ChatTemplate builtIn(BuiltInTemplate format, Vocabulary vocabulary) {
        return builtIn(format, tokenText(vocabulary, vocabulary.bosId()), tokenText(vocabulary, vocabulary.eosId()));
    }

    /** A built-in format with the given BOS and EOS texts. */
    public static ChatTemplate builtIn(BuiltInTemplate format, String bosToken, String eosToken) {
        Set<String> ends = new LinkedHashSet<>();
        ends.add(format.endOfTurn());
        if (!eosToken.isEmpty()) {
            ends.add(eosToken);
        }
        return new ChatTemplate("built-in " + format.displayName(), format.source(), bosToken, eosToken, List.copyOf(ends),
                Clock.systemDefaultZone());
    }

    /** The template a GGUF file carries in {@value #GGUF_KEY}, if any. */
    public static Optional<ChatTemplate> fromGguf(GgufMetadata metadata, Vocabulary vocabulary) {
        return metadata.string(GGUF_KEY).filter(s -> !s.isBlank()).map(source -> of("the model's " + GGUF_KEY, source,
                tokenText(vocabulary, vocabulary.bosId()), tokenText(vocabulary, vocabulary.eosId())));
    }

    /** The model's own template, else the built-in format its vocabulary suggests. */
    public static ChatTemplate forModel(GgufMetadata metadata, Vocabulary vocabulary) {
        return fromGguf(metadata, vocabulary).orElseGet(() -> builtIn(BuiltInTemplate.forVocabulary(vocabulary), vocabulary));
    }

    /**
     * The {@code chat_template} of a Hugging Face tokenizer_config.json: a string, or a list of
     * {@code {"name", "template"}} objects, of which the one named {@code default} (else the first)
     * is taken. {@code bos_token} and {@code eos_token} come from the same file (strings or
     * {@code AddedToken} objects with {@code content}). Empty when the file has no template.
     *
     * @throws LucidException if the file cannot be read or is not such a JSON object
     */
    public static Optional<ChatTemplate> fromTokenizerConfig(Path tokenizerConfig) {
        JsonNode config;
        try {
            config = JSON.readTree(Files.readAllBytes(tokenizerConfig));
        } catch (IOException e) {
            throw new LucidException("cannot read " + tokenizerConfig + ": " + e.getMessage());
        }
        if (config == null || !config.isObject()) {
            throw new LucidException(tokenizerConfig + " is not a tokenizer_config.json: expected a JSON object");
        }
        JsonNode template = config.path("chat_template");
        String source = null;
        if (template.isTextual()) {
            source = template.asText();
        } else if (template.isArray()) {
            for (JsonNode named : template) {
                if (source == null || "default".equals(named.path("name").asText())) {
                    source = named.path("template").asText(null);
                }
            }
        }
        if (source == null || source.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(of("chat_template of " + tokenizerConfig.getFileName(), source,
                tokenText(config.path("bos_token")), tokenText(config.path("eos_token"))));
    }

    /**
     * A template given by the user: a tokenizer_config.json (its {@code chat_template}), or any
     * other file as Jinja source. BOS and EOS texts come from the config, else from {@code vocabulary}.
     *
     * @throws LucidException if the file cannot be read, or a tokenizer_config.json has no template
     */
    public static ChatTemplate fromFile(Path file, Vocabulary vocabulary) {
        if (!Files.isRegularFile(file)) {
            throw new LucidException("no such template file: " + file);
        }
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json")) {
            return fromTokenizerConfig(file).orElseThrow(() -> new LucidException(file + " has no chat_template"));
        }
        try {
            return of("template file " + file.getFileName(), Files.readString(file),
                    tokenText(vocabulary, vocabulary.bosId()), tokenText(vocabulary, vocabulary.eosId()));
        } catch (IOException e) {
            throw new LucidException("cannot read the template file " + file + ": " + e.getMessage());
        }
    }

    /** The same template with a fixed clock for {@code strftime_now} (tests). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(name, source, bosToken, eosToken, endOfTurnTexts, clock);
    }

    /** Where the template came from, e.g. "built-in Llama 2" or "the model's tokenizer.chat_template". */
    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /** Texts of the tokens that end an answer in this format (e.g. {@code <|im_end|>}, EOS). */
    public List<String> endOfTurnTexts() {
        return endOfTurnTexts;
    }

    /**
     * The conversation as text.
     *
     * @param addGenerationPrompt end with what opens the assistant's answer (e.g. {@code <|im_start|>assistant\n})
     * @throws ChatTemplateException if the template has an error or refuses the conversation
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> bindings = new LinkedHashMap<>();
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult result;
        try {
            result = jinjava.renderForResult(jinjaSource(), bindings);
        } catch (RuntimeException e) {
            throw failure(e, null);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error.getException(), error);
            }
        }
        return result.getOutput();
    }

    /** Jinja drops the one newline that ends a template's source (keep_trailing_newline is off); Jinjava keeps it. */
    private String jinjaSource() {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    }

    private ChatTemplateException failure(Throwable cause, TemplateError error) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TemplateFunctions.TemplateRaised raised) {
                return new ChatTemplateException("the chat template (" + name + ") refused the conversation: " + raised.getMessage(), true);
            }
        }
        String what = error != null ? error.getMessage() + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : "")
                : String.valueOf(cause);
        return new ChatTemplateException("the chat template (" + name + ") cannot be rendered: " + what, false);
    }

    private static Jinjava newJinjava(Clock clock) {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // Message text is data: never evaluate {{ }} or {% %} that it contains.
                .withNestedInterpretationEnabled(false)
                // Hugging Face renders chat templates with these two on.
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .build();
        Jinjava jinjava = new Jinjava(config);
        TemplateFunctions.all().forEach(f -> jinjava.getGlobalContext().registerFunction(f));
        return jinjava;
    }

    private static List<String> endOfTurnTextsOf(String source, String eosToken) {
        Set<String> ends = new LinkedHashSet<>();
        for (String text : END_OF_TURN_TEXTS) {
            if (source.contains(text)) {
                ends.add(text);
            }
        }
        if (!eosToken.isEmpty()) {
            ends.add(eosToken);
        }
        return List.copyOf(ends);
    }

    private static String tokenText(Vocabulary vocabulary, int id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.text(id) : "";
    }

    /** A special token in tokenizer_config.json: a string, an AddedToken object, or null. */
    private static String tokenText(JsonNode token) {
        if (token.isTextual()) {
            return token.asText();
        }
        if (token.isObject() && token.path("content").isTextual()) {
            return token.path("content").asText();
        }
        return "";
    }
}
