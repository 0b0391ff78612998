package lucid.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import lucid.gguf.GgufFile;
import lucid.huggingface.HuggingFaceFolders;
import lucid.model.Model;
import lucid.model.TestModels;
import lucid.safetensors.Dtype;
import lucid.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A Hugging Face folder's chat template (tokenizer_config.json) is the one a chat with the model uses. */
class HuggingFaceFolderTemplateTest {
    @TempDir
    Path dir;

    @Test
    void tokenizerConfigChatTemplateIsTheModelsTemplate() throws IOException {
        Path random = TestModels.writeLlama(dir.resolve("random.gguf"), new TestModels.Shape(16, 1, 2, 1, 32, 32064, 128), GgmlType.F32, 9);
        Path gguf = HuggingFaceFolders.withVocabulary(random, Shared.path("tokenizers/llamacpp-vocab/ggml-vocab-phi-3.gguf"), dir.resolve("phi3.gguf"));
        Path folder = HuggingFaceFolders.write(gguf, dir.resolve("phi3"), HuggingFaceFolders.Options.of(Dtype.BF16, 1)
                .withTokenizerFiles(Shared.path("tokenizers/hf-tokenizers/phi-3-mini")));
        String expected = new ObjectMapper().readTree(folder.resolve("tokenizer_config.json").toFile()).get("chat_template").asText();
        try (Model model = Model.load(folder, GgufFile.Loading.MMAP)) {
            ChatTemplate template = ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary());
            assertThat(template.name()).isEqualTo("the model's tokenizer.chat_template");
            assertThat(template.source()).isEqualTo(expected);
            assertThat(template.bosToken()).isEqualTo("<s>");
            assertThat(template.eosToken()).isEqualTo("<|endoftext|>");
            assertThat(template.render(List.of(Message.user("Hello!")), true)).isEqualTo("<|user|>\nHello!<|end|>\n<|assistant|>\n");
            int end = model.tokenizer().vocabulary().id("<|end|>");
            assertThat(model.isEndOfGeneration(end)).isTrue();
        }
        // without one, the vocabulary chooses the built-in format, as for a GGUF file
        HuggingFaceFolders.json(folder.resolve("tokenizer_config.json"), java.util.Map.of("bos_token", "<s>"));
        try (Model model = Model.load(folder, GgufFile.Loading.MMAP)) {
            assertThat(ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary()).name()).isEqualTo("built-in Phi-3");
        }
        assertThat(Files.exists(folder.resolve("config.json"))).isTrue();
    }
}
