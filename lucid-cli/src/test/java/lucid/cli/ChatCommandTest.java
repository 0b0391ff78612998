package lucid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lucid chat} driven through a scripted stdin. stories260K has no chat template, so the
 * conversation is in the built-in Llama 2 format, and the model babbles: the tests look at the
 * structure (echoed prompts, streamed answers, commands, the cache, the context limit).
 */
class ChatCommandTest {
    private static final String[] GREEDY = {"-m", CliRun.stories260K(), "--temp", "0", "-t", "1"};

    private static CliRun chat(String input, String... options) {
        return CliRun.withInput(input, args(options));
    }

    private static String[] args(String... options) {
        List<String> args = new ArrayList<>(List.of("chat"));
        args.addAll(List.of(GREEDY));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    /** The answers in a transcript: the text between each echoed message and the next prompt. */
    private static List<String> answers(String transcript) {
        List<String> answers = new ArrayList<>();
        for (String block : transcript.split("\n> ", -1)) {
            int end = block.indexOf('\n');
            String message = end < 0 ? block : block.substring(0, end);
            if (end >= 0 && !message.isBlank() && !message.startsWith("/") && !message.startsWith("> /")) {
                answers.add(block.substring(end + 1).strip());
            }
        }
        return answers;
    }

    @Test
    void pipedMessagesAreEchoedAfterThePromptAndAnsweredInTurn() {
        CliRun run = chat("Hello!\nTell me about a cat.\n", "-n", "12");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().split("\n", -1);
        assertThat(lines[0]).isEqualTo("> Hello!");
        assertThat(lines[1]).isNotBlank(); // the answer
        assertThat(lines[2]).isEmpty();
        assertThat(lines[3]).isEqualTo("> Tell me about a cat.");
        assertThat(lines[4]).isNotBlank();
        assertThat(lines[5]).isEmpty();
        assertThat(lines[6]).isEqualTo("> "); // the end of the input ends the chat
        assertThat(run.err()).contains("chat template: built-in Llama 2 (the file has none; chosen from its vocabulary)")
                .contains("the answer reached the limit of 12 tokens (-n)");
    }

    @Test
    void answersAreStreamedAsTheyAreProduced() {
        List<Integer> flushedLengths = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void flush() {
                flushedLengths.add(size());
            }
        };
        CliRun run = CliRun.withInput("Hello!\n", out, args("-n", "16"));
        assertThat(run.exitCode()).isZero();
        int echoed = "> Hello!\n".length();
        long whileAnswering = flushedLengths.stream().distinct().filter(n -> n > echoed && n < run.out().length() - 3).count();
        assertThat(whileAnswering).as("flushes while answering").isGreaterThan(4);
    }

    @Test
    void laterTurnsReuseTheCacheAndResetStartsAfresh() {
        CliRun run = chat("Hello!\nAnd then?\n/reset\nHello!\n", "-n", "10", "--verbose");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher m = Pattern.compile("prompt (\\d+) tokens \\((\\d+) reused from the cache").matcher(run.err());
        List<int[]> turns = new ArrayList<>();
        while (m.find()) {
            turns.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
        assertThat(turns).hasSize(3);
        assertThat(turns.get(0)[1]).isZero();
        assertThat(turns.get(1)[1]).as("second turn reuses the first prompt").isGreaterThanOrEqualTo(turns.get(0)[0]);
        // After /reset the conversation is the first message alone again: same prompt, same (greedy) answer.
        assertThat(turns.get(2)[0]).isEqualTo(turns.get(0)[0]);
        assertThat(run.err()).contains("lucid: conversation cleared");
        List<String> answers = answers(run.out());
        assertThat(answers).hasSize(3);
        assertThat(answers.get(2)).isEqualTo(answers.get(0));
    }

    @Test
    void saveWritesTheTurnsAsJson(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chat.json");
        CliRun run = chat("Hello!\nTell me more.\n/save " + file + "\n", "-n", "8", "--system", "You tell stories.");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("saved 5 messages to " + file);
        JsonNode saved = new ObjectMapper().readTree(Files.readString(file));
        assertThat(saved.get("model").asText()).isEqualTo("stories260K");
        assertThat(saved.get("template").asText()).isEqualTo("built-in Llama 2");
        JsonNode messages = saved.get("messages");
        assertThat(messages).hasSize(5);
        List<String> roles = new ArrayList<>();
        messages.forEach(msg -> roles.add(msg.get("role").asText()));
        assertThat(roles).containsExactly("system", "user", "assistant", "user", "assistant");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("You tell stories.");
        assertThat(messages.get(3).get("content").asText()).isEqualTo("Tell me more.");
        List<String> answers = answers(run.out());
        assertThat(messages.get(2).get("content").asText()).isEqualTo(answers.get(0));
        assertThat(messages.get(4).get("content").asText()).isEqualTo(answers.get(1));

        CliRun afterReset = chat("Hello!\n/reset\n/save " + file + "\n", "-n", "4");
        assertThat(afterReset.exitCode()).isZero();
        assertThat(new ObjectMapper().readTree(Files.readString(file)).get("messages")).isEmpty();
    }

    @Test
    void systemPromptCanBeSetAndRemoved(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chat.json");
        CliRun run = chat("/system Be brief.\nHi\n/save " + file + "\n/system\n/save " + file + ".2\n", "-n", "4");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("system prompt set").contains("no system prompt");
        JsonNode first = new ObjectMapper().readTree(Files.readString(file)).get("messages");
        assertThat(first.get(0).get("role").asText()).isEqualTo("system");
        assertThat(first.get(0).get("content").asText()).isEqualTo("Be brief.");
        JsonNode second = new ObjectMapper().readTree(Files.readString(Path.of(file + ".2"))).get("messages");
        assertThat(second).hasSize(2);
        assertThat(second.get(0).get("role").asText()).isEqualTo("user");
    }

    @Test
    void aTinyContextDropsTheOldestTurnsAndSaysSo() {
        String input = "Tell me a story about a cat.\nTell me a story about a dog.\nTell me a story about a bird.\nTell me a story about a fish.\n";
        CliRun run = chat(input, "-c", "96", "-n", "8");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("the conversation no longer fits in the context of 96 tokens: the oldest 2 messages were dropped");
        assertThat(answers(run.out())).hasSize(4);

        // A message that cannot fit even alone is refused with one line, and the chat goes on.
        CliRun tooLong = chat("word ".repeat(80) + "\nHi\n", "-c", "48", "-n", "4");
        assertThat(tooLong.exitCode()).isZero();
        assertThat(tooLong.err()).containsPattern("error: the message needs \\d+ tokens with the chat template, but the context holds 48; shorten it or raise the context with -c");
        assertThat(tooLong.out()).contains("> Hi\n");
        assertThat(answers(tooLong.out())).last().asString().isNotBlank();
    }

    @Test
    void anAnswerCutByAFullContextIsExplained() {
        CliRun run = chat("Hello!\n", "-c", "40");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("the context of 40 tokens is full, so the answer was cut");
    }

    @Test
    void helpUnknownCommandsAndEscapedSlashes() {
        CliRun run = chat("/help\n/nonsense\n//etc is a folder\n/quit\nnever read\n", "-n", "4", "--verbose");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("/reset").contains("/system TEXT").contains("/save FILE").contains("/quit");
        assertThat(run.err()).contains("error: unknown command /nonsense; /help lists the commands");
        assertThat(run.out()).contains("> //etc is a folder\n").doesNotContain("never read");
        assertThat(run.err()).containsOnlyOnce("reused from the cache"); // the // line was a message
    }

    @Test
    void aBackslashAtTheEndOfALineContinuesTheMessage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chat.json");
        CliRun run = chat("first line\\\nsecond line\n/save " + file + "\n", "-n", "4");
        assertThat(run.exitCode()).isZero();
        JsonNode messages = new ObjectMapper().readTree(Files.readString(file)).get("messages");
        assertThat(messages.get(0).get("content").asText()).isEqualTo("first line\nsecond line");
    }

    @Test
    void anotherTemplateCanBeChosen(@TempDir Path dir) throws Exception {
        CliRun chatMl = chat("Hi\n", "-n", "4", "--template", "chatml");
        assertThat(chatMl.exitCode()).isZero();
        assertThat(chatMl.err()).contains("chat template: built-in ChatML;");
        Path jinja = dir.resolve("plain.jinja");
        Files.writeString(jinja, "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant:");
        CliRun custom = chat("Hi\n", "-n", "4", "--template", jinja.toString());
        assertThat(custom.exitCode()).as(custom.err()).isZero();
        assertThat(custom.err()).contains("chat template: template file plain.jinja;");
        CliRun phi3 = chat("Hi\n", "-n", "4", "--template", CliRun.shared("tokenizers/hf-tokenizers/phi-3-mini/tokenizer_config.json").toString());
        assertThat(phi3.err()).contains("chat template: chat_template of tokenizer_config.json;");
    }

    @Test
    void emptyInputEndsTheChatAtOnce() {
        CliRun run = chat("");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("> \n");
    }

    @Test
    void badOptionsGetOneClearLine() {
        expectError(chat("", "-n", "-5"), "-n must be -1");
        expectError(chat("", "--template", "vicuna"), "there is no built-in chat template \"vicuna\"; the built-in ones are chatml, llama2, llama3, gemma, phi3");
        expectError(chat("", "--template", "/no/such/template.jinja"), "no such template file: /no/such/template.jinja");
        expectError(chat("", "--template", CliRun.shared("tokenizers/hf-tokenizers/llama2/tokenizer_config.json").toString()), "has no chat_template");
        expectError(CliRun.withInput("", "chat", "-m", "no-such-model"), "not found");
    }

    @Test
    void aBrokenTemplateIsReportedAtTheStart(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.jinja");
        Files.writeString(broken, "{% for m in messages %}{{ m.content }}");
        expectError(chat("Hi\n", "--template", broken.toString()),
                "the chat template (template file broken.jinja) cannot be rendered: ");
        // A template that refuses some conversations is not broken: the refusal comes per message.
        Path picky = dir.resolve("picky.jinja");
        Files.writeString(picky, "{% if messages|length > 1 %}{{ raise_exception('one message at a time') }}{% endif %}{{ messages[-1].content }}");
        CliRun run = chat("Hi\nAgain\n", "-n", "4", "--template", picky.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("error: the chat template (template file picky.jinja) refused the conversation: one message at a time");
    }

    private static void expectError(CliRun run, String fragment) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).as(run.err()).hasSize(1);
        assertThat(run.errLines()[0]).startsWith("error: ").contains(fragment);
    }

    @Test
    void helpShowsExamplesAndCommands() {
        CliRun run = CliRun.of("chat", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Examples:").contains("lucid chat -m").contains("/save FILE").contains("Ctrl-C")
                .contains("--temp").contains("-c, --ctx-size").contains("--template");
        assertThat(CliRun.of("--help").out()).contains("chat");
    }
}
