package lucid.chat;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.LucidException;
import lucid.generate.Session;
import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Conversations with stories260K (no chat template of its own: the built-in Llama 2 format). It babbles; the structure is what counts. */
class ChatSessionTest {
    static Model model;
    static WorkerPool pool;

    @BeforeAll
    static void load() {
        model = Model.load(Shared.path("models/stories260K.gguf"), GgufFile.Loading.READ);
        pool = new WorkerPool(1);
    }

    @AfterAll
    static void close() {
        pool.close();
        model.close();
    }

    private static ChatSession chat(Session session) {
        ChatTemplate template = ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary());
        return new ChatSession(model, template, session, SamplerSettings.greedy().toChain(model.config().vocabularySize()));
    }

    @Test
    void modelsWithoutATemplateGetLlama2AndStopOnEos() {
        ChatSession chat = chat(model.newSession(256, pool));
        assertThat(chat.template().name()).isEqualTo("built-in Llama 2");
        assertThat(chat.isEndOfTurn(model.tokenizer().vocabulary().eosId())).isTrue();
        assertThat(chat.isEndOfTurn(model.tokenizer().vocabulary().id("Once"))).isFalse();
    }

    @Test
    void answersStreamAndJoinTheConversation() {
        ChatSession chat = chat(model.newSession(512, pool));
        chat.setSystem("You tell stories.");
        StringBuilder streamed = new StringBuilder();
        ChatSession.Reply reply = chat.reply("Tell me about a cat.", 20, streamed::append, () -> false);
        assertThat(reply.answerTokens()).isPositive().isLessThanOrEqualTo(20);
        assertThat(reply.text()).isNotBlank().isEqualTo(streamed.toString().strip());
        assertThat(reply.reusedTokens()).isZero();
        assertThat(chat.messages()).extracting(Message::role).containsExactly("system", "user", "assistant");
        assertThat(chat.messages().get(2).content()).isEqualTo(reply.text());
        // The prompt began with BOS (the template writes <s>, read as the BOS token) and [INST].
        int[] prompt = chat.encode(chat.messages().subList(0, 2));
        assertThat(prompt[0]).isEqualTo(1);
        assertThat(prompt[1]).isNotEqualTo(1);
    }

    @Test
    void laterTurnsEvaluateOnlyWhatTheCacheDoesNotHold() {
        Session session = model.newSession(512, pool);
        ChatSession chat = chat(session);
        ChatSession.Reply first = chat.reply("Tell me about a cat.", 12, s -> {}, () -> false);
        ChatSession.Reply second = chat.reply("And a dog?", 12, s -> {}, () -> false);
        assertThat(second.reusedTokens()).isGreaterThanOrEqualTo(first.promptTokens());
        assertThat(second.promptTokens()).isGreaterThan(first.promptTokens() + first.answerTokens());

        // What the cache holds is the conversation as a fresh render tokenizes it: nothing stale.
        int[] expected = chat.encode(chat.messages().subList(0, 3));
        assertThat(Arrays.copyOf(session.tokens(), expected.length)).containsExactly(expected);
    }

    @Test
    void aStopRequestEndsTheAnswerAndKeepsWhatWasSaid() {
        ChatSession chat = chat(model.newSession(256, pool));
        ChatSession.Reply reply = chat.reply("Hello", -1, s -> {}, () -> true);
        assertThat(reply.stop()).isEqualTo(ChatSession.Stop.STOPPED);
        assertThat(reply.answerTokens()).isEqualTo(1);
        assertThat(chat.messages()).hasSize(2);
    }

    @Test
    void whenTheConversationOutgrowsTheContextTheOldestTurnsGo() {
        ChatSession chat = chat(model.newSession(128, pool));
        chat.setSystem("Be short.");
        int dropped = 0;
        for (int turn = 0; turn < 8; turn++) {
            ChatSession.Reply reply = chat.reply("Tell me a story about turn " + turn + ".", 8, s -> {}, () -> false);
            dropped += reply.droppedMessages();
            // the prompt leaves room for the 8 tokens asked for
            assertThat(reply.promptTokens()).isLessThanOrEqualTo(128 - 8);
        }
        assertThat(dropped).isPositive();
        List<Message> messages = chat.messages();
        assertThat(messages.getFirst()).isEqualTo(Message.system("Be short."));
        assertThat(messages.get(1).role()).isEqualTo("user");
        assertThat(messages.get(messages.size() - 2).content()).isEqualTo("Tell me a story about turn 7.");
    }

    @Test
    void aMessageThatCannotFitIsRefusedAndTheConversationStaysAsItWas() {
        ChatSession chat = chat(model.newSession(32, pool));
        chat.reply("Hi", 4, s -> {}, () -> false);
        List<Message> before = chat.messages();
        assertThatThrownBy(() -> chat.reply("a very long message ".repeat(10), 4, s -> {}, () -> false))
                .isInstanceOf(LucidException.class)
                .hasMessageContaining("the context holds 32");
        assertThat(chat.messages()).isEqualTo(before);
    }

    @Test
    void resetForgetsTheTurnsButKeepsTheSystemPrompt() {
        ChatSession chat = chat(model.newSession(256, pool));
        chat.setSystem("Be kind.");
        chat.reply("Hi", 4, s -> {}, () -> false);
        chat.reset();
        assertThat(chat.messages()).containsExactly(Message.system("Be kind."));
        chat.setSystem(" ");
        assertThat(chat.messages()).isEmpty();
    }

    @Test
    void saveWritesTheConversationAsJson() throws Exception {
        ChatSession chat = chat(model.newSession(256, pool));
        chat.setSystem("Be kind.");
        ChatSession.Reply reply = chat.reply("Hi \"there\"", 6, s -> {}, () -> false);
        Path file = Files.createTempFile("lucid-chat", ".json");
        try {
            chat.save(file);
            JsonNode saved = Json.read(file);
            assertThat(saved.get("model").asText()).isEqualTo("stories260K");
            assertThat(saved.get("template").asText()).isEqualTo("built-in Llama 2");
            assertThat(saved.get("messages")).hasSize(3);
            assertThat(saved.get("messages").get(1).get("content").asText()).isEqualTo("Hi \"there\"");
            assertThat(saved.get("messages").get(2).get("role").asText()).isEqualTo("assistant");
            assertThat(saved.get("messages").get(2).get("content").asText()).isEqualTo(reply.text());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
