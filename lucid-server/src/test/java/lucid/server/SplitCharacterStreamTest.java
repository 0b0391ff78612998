package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.tokenizer.SplitCharacterModels;
import lucid.tokenizer.SplitCharacterModels.Kind;
import lucid.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-sent events when the generated tokens split characters ({@link SplitCharacterModels}):
 * each event is whole UTF-8, each text delta whole characters, and the streamed logprobs name
 * pieces of characters by their bytes ({@code <0xE4>}, with the raw values in "bytes" for chat).
 */
class SplitCharacterStreamTest {

    /** The JSON of each {@code data:} event of a streamed response, up to [DONE]; every event strictly UTF-8. */
    private static List<JsonNode> stream(String url, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        byte[] raw;
        try {
            HttpResponse<byte[]> response = Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            raw = response.body();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
        List<JsonNode> events = new ArrayList<>();
        int from = 0;
        for (int i = 0; i + 1 < raw.length; i++) {
            if (raw[i] == '\n' && raw[i + 1] == '\n') {
                String event = strictUtf8(Arrays.copyOfRange(raw, from, i));
                from = i + 2;
                assertThat(event).startsWith("data: ");
                if (event.equals("data: [DONE]")) {
                    return events;
                }
                events.add(json(event.substring("data: ".length())));
            }
        }
        throw new AssertionError("the stream did not end with [DONE]: " + new String(raw, StandardCharsets.UTF_8));
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("an event that is not whole UTF-8: " + new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private static JsonNode json(String text) {
        try {
            return Http.JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static void assertWhole(String text) {
        assertThat(SplitCharacterModels.wholeCharacters(text)).as("\"%s\"", text).isTrue();
    }

    /** How the planted tokens show in logprobs: pieces of characters as their bytes. */
    private static List<String> shown(Tokenizer tokenizer, int[] ids) {
        return Arrays.stream(ids).mapToObj(tokenizer::displayPiece).toList();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void completionsStreamWholeCharacters(Kind kind) {
        try (TestServer server = new TestServer(SplitCharacterModels.path(kind), null)) {
            Tokenizer tokenizer = server.model.tokenizer();
            int[] continuation = SplitCharacterModels.continuation(kind);
            String prompt = "[" + tokenizer.vocabulary().bosId() + ", " + tokenizer.vocabulary().id(SplitCharacterModels.ANCHOR) + "]";
            List<JsonNode> chunks = stream(server.base + "/v1/completions",
                    "{\"prompt\": " + prompt + ", \"max_tokens\": 64, \"temperature\": 0, \"stream\": true, \"logprobs\": 2}");

            StringBuilder text = new StringBuilder();
            List<String> tokens = new ArrayList<>();
            int emptyTexts = 0;
            for (JsonNode chunk : chunks) {
                JsonNode choice = chunk.get("choices").get(0);
                String piece = choice.get("text").asText();
                assertWhole(piece);
                JsonNode logprobs = choice.get("logprobs");
                for (int i = 0; i < logprobs.get("tokens").size(); i++) {
                    String token = logprobs.get("tokens").get(i).asText();
                    assertWhole(token);
                    tokens.add(token);
                    assertThat(logprobs.get("text_offset").get(i).asInt()).isEqualTo(text.length());
                    logprobs.get("top_logprobs").get(i).fieldNames().forEachRemaining(SplitCharacterStreamTest::assertWhole);
                    emptyTexts += piece.isEmpty() ? 1 : 0;
                }
                text.append(piece);
            }
            assertThat(tokens).isEqualTo(shown(tokenizer, continuation)); // the planted tokens, EOS last
            assertThat(emptyTexts).as("tokens that only start a character").isPositive();
            assertThat(chunks.getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
            assertThat(text.toString()).isEqualTo(tokenizer.decode(continuation)).isEqualTo(SplitCharacterModels.TEXT);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void chatCompletionsStreamWholeCharactersAndTheTokensBytes(Kind kind) {
        ChatPrompt template = messages -> "user: " + messages.getLast().content() + "\n" + SplitCharacterModels.ANCHOR;
        try (TestServer server = new TestServer(SplitCharacterModels.path(kind), template)) {
            Tokenizer tokenizer = server.model.tokenizer();
            int[] continuation = SplitCharacterModels.continuation(kind);
            List<JsonNode> chunks = stream(server.base + "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"你好\"}], "
                    + "\"temperature\": 0, \"stream\": true, \"logprobs\": true, \"top_logprobs\": 2}");

            StringBuilder content = new StringBuilder();
            List<String> tokens = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean partialBytes = false;
            for (JsonNode chunk : chunks) {
                JsonNode choice = chunk.get("choices").get(0);
                String piece = choice.get("delta").path("content").asText("");
                assertWhole(piece);
                content.append(piece);
                for (JsonNode item : choice.path("logprobs").path("content")) {
                    assertWhole(item.get("token").asText());
                    tokens.add(item.get("token").asText());
                    byte[] own = bytesOf(item.get("bytes"));
                    bytes.writeBytes(own);
                    partialBytes |= !StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(own), CharBuffer.allocate(own.length), true).isUnderflow();
                    for (JsonNode top : item.get("top_logprobs")) {
                        assertWhole(top.get("token").asText());
                        assertThat(top.has("bytes")).isTrue();
                    }
                }
            }
            assertThat(tokens).isEqualTo(shown(tokenizer, continuation));
            assertThat(partialBytes).as("tokens whose bytes are part of a character").isTrue();
            // the bytes of the tokens, joined, are the text
            assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(SplitCharacterModels.TEXT);
            assertThat(chunks.getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
            assertThat(content.toString()).isEqualTo(tokenizer.decode(continuation)).isEqualTo(SplitCharacterModels.TEXT);
        }
    }

    private static byte[] bytesOf(JsonNode array) {
        byte[] out = new byte[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) array.get(i).asInt();
        }
        return out;
    }
}
