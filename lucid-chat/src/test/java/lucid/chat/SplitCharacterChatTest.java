package lucid.chat;

import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.SplitCharacterModels;
import lucid.tokenizer.SplitCharacterModels.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answers whose tokens split characters ({@link SplitCharacterModels}: the chat template ends with
 * the token that leads to the planted text): what the listener hears is whole characters.
 */
class SplitCharacterChatTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void answersStreamWholeCharacters(Kind kind) {
        try (Model model = Model.load(SplitCharacterModels.path(kind), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            ChatTemplate template = ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary());
            assertThat(template.name()).isEqualTo("the model's tokenizer.chat_template");
            ChatSession chat = new ChatSession(model, template, model.newSession(256, pool),
                    SamplerSettings.greedy().toChain(model.config().vocabularySize()));
            String decoded = model.tokenizer().decode(SplitCharacterModels.continuation(kind));
            assertThat(decoded).isEqualTo(SplitCharacterModels.TEXT);

            for (String message : List.of("你好", "再说一遍")) { // the second turn reuses the cache
                List<String> pieces = new ArrayList<>();
                ChatSession.Reply reply = chat.reply(message, -1, pieces::add, () -> false);
                assertThat(reply.stop()).isEqualTo(ChatSession.Stop.END_OF_TURN);
                assertThat(reply.answerTokens()).isEqualTo(SplitCharacterModels.continuation(kind).length - 1); // EOS not counted
                assertThat(pieces).hasSizeLessThan(reply.answerTokens()) // tokens that start a character add nothing yet
                        .allSatisfy(p -> assertThat(SplitCharacterModels.wholeCharacters(p)).as("piece \"%s\"", p).isTrue());
                assertThat(String.join("", pieces)).isEqualTo(reply.text()).isEqualTo(decoded);
            }
            assertThat(chat.messages()).extracting(Message::content).containsExactly("你好", SplitCharacterModels.TEXT, "再说一遍", SplitCharacterModels.TEXT);
        }
    }
}
