package lucid.chat;

import com.hubspot.jinjava.Jinjava;
import lucid.gguf.GgufFile;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each template renders the same conversation; the expected texts are written out by hand from
 * each model card's description of its format.
 */
class ChatTemplateTest {
    static final List<Message> CONVERSATION = List.of(
            Message.system("You are a helpful assistant."),
            Message.user("Hello!"),
            Message.assistant("Hi there. How can I help?"),
            Message.user("What is 2+2?"));

    @Test
    void chatMlWrapsEachMessageInImStartAndImEnd() {
        ChatTemplate chatMl = ChatTemplate.builtIn(BuiltInTemplate.CHATML, "", "<|endoftext|>");
        assertThat(chatMl.render(CONVERSATION, true)).isEqualTo("""
                <|im_start|>system
                You are a helpful assistant.<|im_end|>
                <|im_start|>user
                Hello!<|im_end|>
                <|im_start|>assistant
                Hi there. How can I help?<|im_end|>
                <|im_start|>user
                What is 2+2?<|im_end|>
                <|im_start|>assistant
                """);
        assertThat(chatMl.render(CONVERSATION, false)).endsWith("What is 2+2?<|im_end|>\n");
        assertThat(chatMl.endOfTurnTexts()).containsExactly("<|im_end|>", "<|endoftext|>");
    }

    @Test
    void llama2PutsTheSystemPromptInTheFirstInstBlock() {
        ChatTemplate llama2 = ChatTemplate.builtIn(BuiltInTemplate.LLAMA2, "<s>", "</s>");
        assertThat(llama2.render(CONVERSATION, true)).isEqualTo(
                "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. How can I help? </s>"
                        + "<s>[INST] What is 2+2? [/INST]");
        assertThat(llama2.render(CONVERSATION.subList(1, 4), true)).isEqualTo(
                "<s>[INST] Hello! [/INST] Hi there. How can I help? </s><s>[INST] What is 2+2? [/INST]");
        assertThat(llama2.endOfTurnTexts()).containsExactly("</s>");
    }

    @Test
    void llama3GivesEachMessageAHeaderAndEndsItWithEotId() {
        ChatTemplate llama3 = ChatTemplate.builtIn(BuiltInTemplate.LLAMA3, "<|begin_of_text|>", "<|end_of_text|>");
        assertThat(llama3.render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(llama3.endOfTurnTexts()).containsExactly("<|eot_id|>", "<|end_of_text|>");
    }

    @Test
    void gemmaCallsTheAssistantModelAndOpensTheFirstUserTurnWithTheSystemPrompt() {
        ChatTemplate gemma = ChatTemplate.builtIn(BuiltInTemplate.GEMMA, "<bos>", "<eos>");
        assertThat(gemma.render(CONVERSATION, true)).isEqualTo("""
                <bos><start_of_turn>user
                You are a helpful assistant.

                Hello!<end_of_turn>
                <start_of_turn>model
                Hi there. How can I help?<end_of_turn>
                <start_of_turn>user
                What is 2+2?<end_of_turn>
                <start_of_turn>model
                """);
        assertThat(gemma.endOfTurnTexts()).containsExactly("<end_of_turn>", "<eos>");
    }

    @Test
    void phi3TagsEachMessageWithItsRole() {
        ChatTemplate phi3 = ChatTemplate.builtIn(BuiltInTemplate.PHI3, "<s>", "<|endoftext|>");
        assertThat(phi3.render(CONVERSATION, true)).isEqualTo(PHI3_WITH_SYSTEM);
        assertThat(phi3.endOfTurnTexts()).containsExactly("<|end|>", "<|endoftext|>");
    }

    static final String PHI3_WITH_SYSTEM = """
            <|system|>
            You are a helpful assistant.<|end|>
            <|user|>
            Hello!<|end|>
            <|assistant|>
            Hi there. How can I help?<|end|>
            <|user|>
            What is 2+2?<|end|>
            <|assistant|>
            """;

    @Test
    void strictTemplatesRefuseConversationsThatDoNotAlternate() {
        List<Message> twoUsers = List.of(Message.user("a"), Message.user("b"));
        for (BuiltInTemplate format : List.of(BuiltInTemplate.LLAMA2, BuiltInTemplate.GEMMA)) {
            assertThatThrownBy(() -> ChatTemplate.builtIn(format, "<s>", "</s>").render(twoUsers, true))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessageContaining("refused the conversation")
                    .hasMessageContaining("alternate user and assistant");
        }
    }

    // --- the models' own templates ---

    @Test
    void phi3GgufTemplateRendersItsDocumentedFormat() {
        try (GgufFile file = GgufFile.open(Shared.path("tokenizers/llamacpp-vocab/ggml-vocab-phi-3.gguf"), GgufFile.Loading.READ)) {
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            ChatTemplate template = ChatTemplate.forModel(file.metadata(), tokenizer.vocabulary());
            assertThat(template.name()).isEqualTo("the model's tokenizer.chat_template");
            // This template starts with BOS, drops system messages and opens the answer after each user message.
            String text = template.render(CONVERSATION, true);
            assertThat(text).isEqualTo("""
                    <s><|user|>
                    Hello!<|end|>
                    <|assistant|>
                    Hi there. How can I help?<|end|>
                    <|user|>
                    What is 2+2?<|end|>
                    <|assistant|>
                    """);
            assertThat(template.endOfTurnTexts()).contains("<|end|>");

            int[] ids = tokenizer.encode(text, false, true);
            assertThat(ids[0]).isEqualTo(1); // <s>
            assertThat(ids[1]).isEqualTo(32010); // <|user|>
            assertThat(count(ids, 32010)).isEqualTo(2);
            assertThat(count(ids, 32007)).isEqualTo(3); // <|end|>
            assertThat(count(ids, 32001)).isEqualTo(2); // <|assistant|>
            assertThat(tokenizer.decode(ids)).doesNotContain("<|"); // markers are control tokens, not text

            // Phi-3's own format, rendered with the built-in template, tokenizes the same way.
            int[] builtIn = tokenizer.encode(ChatTemplate.builtIn(BuiltInTemplate.PHI3, tokenizer.vocabulary()).render(CONVERSATION, true), false, true);
            assertThat(builtIn[0]).isEqualTo(32006); // <|system|>
            assertThat(count(builtIn, 32007)).isEqualTo(4);
            assertThat(BuiltInTemplate.forVocabulary(tokenizer.vocabulary())).isEqualTo(BuiltInTemplate.PHI3);
        }
    }

    @Test
    void phi3MiniTokenizerConfigTemplateRendersItsDocumentedFormat() {
        ChatTemplate template = ChatTemplate.fromTokenizerConfig(Shared.path("tokenizers/hf-tokenizers/phi-3-mini/tokenizer_config.json")).orElseThrow();
        assertThat(template.render(CONVERSATION, true)).isEqualTo(PHI3_WITH_SYSTEM);
        // Without a generation prompt this template closes the conversation with EOS.
        assertThat(template.render(CONVERSATION, false)).isEqualTo("""
                <|system|>
                You are a helpful assistant.<|end|>
                <|user|>
                Hello!<|end|>
                <|assistant|>
                Hi there. How can I help?<|end|>
                <|user|>
                What is 2+2?<|end|>
                <|endoftext|>""");
        assertThat(template.eosToken()).isEqualTo("<|endoftext|>");
        assertThat(template.endOfTurnTexts()).containsExactly("<|end|>", "<|endoftext|>");

        Tokenizer tokenizer = Tokenizers.fromHuggingFace(Shared.path("tokenizers/hf-tokenizers/phi-3-mini/tokenizer.json"));
        int[] ids = tokenizer.encode(template.render(CONVERSATION, true), false, true);
        assertThat(ids[0]).isEqualTo(32006); // <|system|>
        assertThat(count(ids, 32010)).isEqualTo(2); // <|user|>
        assertThat(count(ids, 32007)).isEqualTo(4); // <|end|>
        assertThat(count(ids, 32001)).isEqualTo(2); // <|assistant|>
    }

    @Test
    void qwen2TokenizerConfigTemplateIsChatMlWithRtpLlmsEditedEnding() {
        ChatTemplate template = ChatTemplate.fromTokenizerConfig(Shared.path("tokenizers/qwen/qwen2-tokenizer_config.json")).orElseThrow();
        String chatMl = ChatTemplate.builtIn(BuiltInTemplate.CHATML, "", "<|endoftext|>").render(CONVERSATION, true);
        // rtp-llm's test copy appends "template ends here" to Qwen2's ChatML template.
        assertThat(template.render(CONVERSATION, true)).isEqualTo(chatMl + "template ends here");
        assertThat(template.bosToken()).isEmpty(); // "bos_token": null
        assertThat(template.endOfTurnTexts()).containsExactly("<|im_end|>", "<|endoftext|>");

        Map<String, Integer> specials = new HashMap<>();
        lucid.chat.Json.read(Shared.path("tokenizers/qwen/qwen2-tokenizer_config.json")).path("added_tokens_decoder").properties()
                .forEach(e -> specials.put(e.getValue().path("content").asText(), Integer.parseInt(e.getKey())));
        Tokenizer qwen = Tokenizers.fromVocabAndMerges(Shared.path("tokenizers/qwen/qwen2-vocab.json"),
                Shared.path("tokenizers/qwen/qwen2-merges.txt"), "qwen2", specials);
        int[] ids = qwen.encode(chatMl, false, true);
        assertThat(ids[0]).isEqualTo(151644); // <|im_start|>
        assertThat(count(ids, 151644)).isEqualTo(5);
        assertThat(count(ids, 151645)).isEqualTo(4); // <|im_end|>
        assertThat(BuiltInTemplate.forVocabulary(qwen.vocabulary())).isEqualTo(BuiltInTemplate.CHATML);
    }

    @Test
    void llama2TokenizerConfigHasNoTemplateSoLlama2IsTheFallback() {
        assertThat(ChatTemplate.fromTokenizerConfig(Shared.path("tokenizers/hf-tokenizers/llama2/tokenizer_config.json"))).isEmpty();
        try (GgufFile file = GgufFile.open(Shared.path("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf"), GgufFile.Loading.READ)) {
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            ChatTemplate template = ChatTemplate.forModel(file.metadata(), tokenizer.vocabulary());
            assertThat(template.name()).isEqualTo("built-in Llama 2");
            int[] ids = tokenizer.encode(template.render(CONVERSATION, true), false, true);
            assertThat(ids[0]).isEqualTo(1); // <s>
            assertThat(count(ids, 1)).isEqualTo(2);
            assertThat(count(ids, 2)).isEqualTo(1); // </s> after the answer
        }
    }

    @Test
    void llama3TemplateMarkersAreSingleTokensOfTheLlama3Vocabulary() {
        Tokenizer llama3 = Tokenizers.fromTiktoken(Shared.path("tokenizers/llama3/tokenizer.model"), "llama3", Tokenizers.llama3Specials());
        assertThat(BuiltInTemplate.forVocabulary(llama3.vocabulary())).isEqualTo(BuiltInTemplate.LLAMA3);
        int[] ids = llama3.encode(ChatTemplate.builtIn(BuiltInTemplate.LLAMA3, "<|begin_of_text|>", "<|end_of_text|>").render(CONVERSATION, true), false, true);
        assertThat(ids[0]).isEqualTo(128000); // <|begin_of_text|>
        assertThat(ids[1]).isEqualTo(128006); // <|start_header_id|>
        assertThat(count(ids, 128006)).isEqualTo(5);
        assertThat(count(ids, 128007)).isEqualTo(5); // <|end_header_id|>
        assertThat(count(ids, 128009)).isEqualTo(4); // <|eot_id|>
    }

    // --- message text is data ---

    @Test
    void messageTextIsNeverEvaluatedAsTemplateCode() {
        String tricky = "{{ 7*7 }} and {% for x in y %}loop{% endfor %} and {{ raise_exception('boom') }}";
        List<Message> messages = List.of(Message.user(tricky));
        for (BuiltInTemplate format : BuiltInTemplate.values()) {
            String text = ChatTemplate.builtIn(format, "<s>", "</s>").render(messages, true);
            assertThat(text).as(format.name()).contains(tricky).doesNotContain("49");
        }
        ChatTemplate qwen = ChatTemplate.fromTokenizerConfig(Shared.path("tokenizers/qwen/qwen2-tokenizer_config.json")).orElseThrow();
        assertThat(qwen.render(messages, false)).isEqualTo("<|im_start|>user\n" + tricky + "<|im_end|>\ntemplate ends here");
    }

    @Test
    void jinjavasDefaultSettingsWouldHaveEvaluatedTheMessageText() {
        // The check above can fail: Jinjava's defaults interpret {{ }} found in values a second time.
        String source = ChatTemplate.builtIn(BuiltInTemplate.CHATML, "", "").source();
        Map<String, Object> bindings = Map.of("messages", List.of(Map.of("role", "user", "content", "{{ 7*7 }}")),
                "add_generation_prompt", false);
        assertThat(new Jinjava().render(source, bindings)).contains("49").doesNotContain("{{ 7*7 }}");
    }

    // --- Jinja features Hugging Face templates use ---

    @Test
    void templatesCanUseHuggingFacesExtraFunctionsAndJinjasLoopControls() {
        Clock july26 = Clock.fixed(Instant.parse("2024-07-26T10:15:00Z"), ZoneOffset.UTC);
        String source = """
                {%- set ns = namespace(users=0) -%}
                {%- for message in messages -%}
                {%- if message.role == 'assistant' %}{% continue %}{% endif -%}
                {%- set ns.users = ns.users + 1 -%}
                [{{ message['content'] | tojson }}]
                {%- if loop.index0 == 3 %}{% break %}{% endif -%}
                {%- endfor -%}
                {{ ns.users }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %-d %B, %H:%M') }}
                """;
        ChatTemplate template = ChatTemplate.of("test", source, "", "").withClock(july26);
        List<Message> five = new java.util.ArrayList<>(CONVERSATION);
        five.add(Message.user("never reached"));
        // As Jinja, the template's one trailing newline is not part of the output.
        assertThat(template.render(five, false))
                .isEqualTo("[\"You are a helpful assistant.\"][\"Hello!\"][\"What is 2+2?\"]3 26 Jul 2024 Friday 26 July, 10:15");
    }

    @Test
    void templateErrorsAreOneLineWithTheTemplatesName() {
        assertThatThrownBy(() -> ChatTemplate.of("broken", "{% for m in messages %}", "", "").render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageStartingWith("the chat template (broken) cannot be rendered: ")
                .matches(e -> !((ChatTemplateException) e).isRefusal());
        assertThatThrownBy(() -> ChatTemplate.of("picky", "{{ raise_exception('System role not supported') }}", "", "").render(CONVERSATION, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("the chat template (picky) refused the conversation: System role not supported")
                .matches(e -> ((ChatTemplateException) e).isRefusal());
    }

    @Test
    void namedTemplateListsUseTheDefaultOne() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lucid-chat");
        java.nio.file.Path config = dir.resolve("tokenizer_config.json");
        java.nio.file.Files.writeString(config, """
                {"bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>",
                 "chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"}]}
                """);
        ChatTemplate template = ChatTemplate.fromTokenizerConfig(config).orElseThrow();
        assertThat(template.render(List.of(Message.user("hi")), true)).isEqualTo("<s>hi</s>");
        java.nio.file.Files.delete(config);
        java.nio.file.Files.delete(dir);
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int x : ids) {
            if (x == id) {
                n++;
            }
        }
        return n;
    }
}
