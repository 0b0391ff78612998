package lucid.cli;

import lucid.LucidException;
import lucid.chat.BuiltInTemplate;
import lucid.chat.ChatSession;
import lucid.chat.ChatTemplate;
import lucid.chat.ChatTemplateException;
import lucid.chat.Message;
import lucid.generate.Session;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.sampling.SamplerChain;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code lucid chat}: an interactive conversation in the terminal (or over piped lines). */
@Command(name = "chat",
        mixinStandardHelpOptions = true,
        header = "Chat with a model in the terminal.",
        description = {
                "Chat with a model: type a message, press Enter, and the answer streams back. Input can be piped too: each line is a message or a command, and is echoed after the prompt. A line ending in \\ continues on the next.",
                "",
                "The conversation is written in the model's own chat template (GGUF tokenizer.chat_template) or, when the file has none, in a built-in format chosen from its vocabulary: ChatML, Llama 3, Gemma, Phi-3, else Llama 2. Answers end at the format's end-of-turn token. Each turn re-renders the whole conversation and evaluates only the tokens the KV cache does not hold yet. When the conversation no longer fits in the context (-c), the oldest turns are dropped, and Lucid says so.",
                "",
                "Commands: /reset (forget the turns), /system TEXT (set the system prompt; /system alone removes it), /save FILE (the conversation as JSON), /help, /quit (or Ctrl-D). Start a message with // to send one that begins with /. Ctrl-C stops the answer being written; at the prompt, a second Ctrl-C leaves."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid chat -m Llama-3.2-1B-Instruct-Q8_0",
                "  lucid chat -m qwen2.5-0.5b-instruct-q8_0 --system \"Answer in one sentence.\" --temp 0.7 --seed 1",
                "  lucid chat -m stories260K --template chatml -c 256",
                "  lucid chat -m model.gguf --template path/to/tokenizer_config.json",
                "  printf 'Hello!\\n/save chat.json\\n' | lucid chat -m stories260K -n 40"})
final class ChatCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--system", paramLabel = "TEXT", description = "the system prompt to start with (/system changes it)")
    String system;

    @Option(names = "--template", paramLabel = "NAME|FILE",
            description = "use another chat template: a built-in one (" + BuiltInTemplate.NAMES + "), a Jinja file, or a Hugging Face tokenizer_config.json (default: the model's own, else built-in)")
    String templateChoice;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1",
            description = "tokens per answer at most; -1 (default) = until the end of the turn or a full context")
    int maxTokens;

    @Option(names = "--verbose", description = "after each answer, tell the tokens evaluated, reused from the cache and generated, and the speed")
    boolean verbose;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ThreadsOption threads;

    @Mixin
    ContextOption contextOption;

    static final String PROMPT = "> ";

    static final String HELP = """
            Type a message and press Enter; end a line with \\ to go on on the next one.
              /reset        forget the conversation (the system prompt stays)
              /system TEXT  set the system prompt (/system alone removes it)
              /save FILE    write the conversation to FILE as JSON
              /help         this list
              /quit         leave (Ctrl-D too)
            Ctrl-C stops the answer being written. Start a message with // to send one that begins with /.""";

    /** Ctrl-C: stop the answer being written; at the prompt, tell how to leave, and leave on a second press. */
    private final AtomicBoolean answering = new AtomicBoolean();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile long lastIdleInterrupt;

    @Override
    public Integer call() {
        if (maxTokens < -1) {
            throw new LucidException("-n must be -1 (until the end of the turn) or a number of tokens, got " + maxTokens);
        }
        int threadCount = threads.count();
        SamplerSettings settings = sampling.toSettings();
        long loadStart = System.nanoTime();
        Path path = modelOption.resolve();
        try (Model model = Model.load(path, modelOption.loading());
             WorkerPool pool = new WorkerPool(threadCount)) {
            ModelConfig config = model.config();
            int context = contextOption.length(config, console);
            ChatTemplate template = template(model);
            checkRenders(template);
            Session session = model.newSession(context, pool, modelOption.cacheType());
            SamplerChain chain = settings.toChain(config.vocabularySize());
            ChatSession chat = new ChatSession(model, template, session, chain);
            chat.setSystem(system);
            boolean terminal = console.isTerminal();
            // At a terminal, notes go to stdout too, so that they come in order with the prompt and answers;
            // otherwise stdout is the transcript and notes go to stderr.
            PrintStream notes = terminal ? console.out() : console.err();
            notes.printf("lucid: %s (%s, %d layers, dim %d, %s) loaded in %d ms; context %d, %d thread%s, seed %d, %s%n",
                    model.name(), config.architecture(), config.blockCount(), config.embeddingLength(),
                    model.transformer().weights().matrixType(), (System.nanoTime() - loadStart) / 1_000_000, context,
                    threadCount, threadCount == 1 ? "" : "s", settings.seed(), chain.name());
            notes.println("lucid: chat template: " + template.name() + describeDefault(model)
                    + "; /help for commands, /quit or Ctrl-D to leave");
            try (CtrlC ctrlC = CtrlC.install(this::onCtrlC)) {
                if (ctrlC == null && terminal) {
                    notes.println("lucid: this JVM does not let Lucid handle Ctrl-C, so Ctrl-C ends the chat");
                }
                converse(chat, terminal, notes);
            }
        }
        return 0;
    }

    private ChatTemplate template(Model model) {
        Vocabulary vocabulary = model.tokenizer().vocabulary();
        if (templateChoice == null) {
            return ChatTemplate.forModel(model.file().metadata(), vocabulary);
        }
        Path file = Path.of(templateChoice);
        if (Files.exists(file) || templateChoice.contains("/") || templateChoice.contains(".")) {
            return ChatTemplate.fromFile(file, vocabulary);
        }
        return ChatTemplate.builtIn(BuiltInTemplate.named(templateChoice), vocabulary);
    }

    /** A broken template is found at the start, not at the first message. */
    private void checkRenders(ChatTemplate template) {
        try {
            template.render(List.of(Message.user("Hello")), true);
        } catch (ChatTemplateException e) {
            if (!e.isRefusal()) {
                throw new LucidException(e.getMessage() + "; choose another with --template (" + BuiltInTemplate.NAMES + " or a file)");
            }
        }
    }

    private String describeDefault(Model model) {
        if (templateChoice == null && model.file().metadata().string(ChatTemplate.GGUF_KEY).isEmpty()) {
            return " (the file has none; chosen from its vocabulary)";
        }
        return "";
    }

    private void converse(ChatSession chat, boolean terminal, PrintStream notes) {
        PrintStream out = console.out();
        BufferedReader in = new BufferedReader(new InputStreamReader(console.in(), StandardCharsets.UTF_8));
        while (true) {
            out.print(PROMPT);
            out.flush();
            String line = readMessage(in, out, terminal);
            if (line == null) {
                out.println();
                out.flush();
                return;
            }
            if (!terminal) {
                out.println(line); // echo, so that a piped conversation reads as a transcript
            }
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("/") && !line.startsWith("//")) {
                if (!command(chat, line.strip(), out, notes)) {
                    return;
                }
                continue;
            }
            answer(chat, line.startsWith("//") ? line.substring(1) : line, out, notes);
        }
    }

    /** One message: a line, or several joined where a line ends in a backslash. Null at the end of input. */
    private static String readMessage(BufferedReader in, PrintStream out, boolean terminal) {
        try {
            StringBuilder message = new StringBuilder();
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    return message.isEmpty() ? null : message.toString();
                }
                if (!line.endsWith("\\")) {
                    return message.append(line).toString();
                }
                message.append(line, 0, line.length() - 1).append('\n');
                if (terminal) {
                    out.print(". ");
                    out.flush();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the input", e);
        }
    }

    /** Runs a /command; false to leave. */
    private boolean command(ChatSession chat, String line, PrintStream out, PrintStream notes) {
        int space = line.indexOf(' ');
        String name = space < 0 ? line : line.substring(0, space);
        String argument = space < 0 ? "" : line.substring(space + 1).strip();
        switch (name) {
            case "/quit", "/exit", "/bye" -> {
                return false;
            }
            case "/help", "/?" -> out.println(HELP);
            case "/reset", "/clear" -> {
                chat.reset();
                notes.println("lucid: conversation cleared" + (chat.system() != null ? " (the system prompt stays; /system alone removes it)" : ""));
            }
            case "/system" -> {
                chat.setSystem(argument);
                notes.println(chat.system() == null ? "lucid: no system prompt" : "lucid: system prompt set; it applies from the next answer");
            }
            case "/save" -> {
                if (argument.isEmpty()) {
                    notes.println("error: /save needs a file name, e.g. /save chat.json");
                } else {
                    try {
                        chat.save(Path.of(argument));
                        notes.println("lucid: saved " + chat.messages().size() + " messages to " + argument);
                    } catch (LucidException | java.nio.file.InvalidPathException e) {
                        notes.println("error: " + e.getMessage());
                    }
                }
            }
            default -> notes.println("error: unknown command " + name + "; /help lists the commands (start a message with // to send one that begins with /)");
        }
        return true;
    }

    private void answer(ChatSession chat, String message, PrintStream out, PrintStream notes) {
        stopRequested.set(false);
        answering.set(true);
        ChatSession.Reply reply;
        try {
            reply = chat.reply(message, maxTokens, new ChatSession.Listener() {
                @Override
                public void onText(String text) {
                    out.print(text);
                    out.flush();
                }

                @Override
                public void onDropped(int messages) {
                    notes.printf("lucid: the conversation no longer fits in the context of %d tokens: the oldest %d message%s dropped (/reset starts afresh; -c allows a longer context)%n",
                            chat.contextLength(), messages, messages == 1 ? " was" : "s were");
                }
            }, stopRequested::get);
        } catch (LucidException e) {
            notes.println("error: " + e.getMessage());
            return;
        } finally {
            answering.set(false);
        }
        out.println();
        out.println();
        out.flush();
        switch (reply.stop()) {
            case END_OF_TURN -> { }
            case STOPPED -> notes.println("lucid: stopped; the answer so far stays in the conversation");
            case TOKEN_LIMIT -> notes.println("lucid: the answer reached the limit of " + maxTokens + " tokens (-n)");
            case CONTEXT_FULL -> notes.println("lucid: the context of " + chat.contextLength()
                    + " tokens is full, so the answer was cut; the oldest turns will be dropped to make room (/reset starts afresh; -c allows a longer context)");
        }
        if (verbose) {
            notes.printf("lucid: prompt %d tokens (%d reused from the cache, %d evaluated in %.1f ms) · answer %d token%s in %.1f ms (%.1f tok/s)%n",
                    reply.promptTokens(), reply.reusedTokens(), reply.promptTokens() - reply.reusedTokens(), reply.promptNanos() / 1e6,
                    reply.answerTokens(), reply.answerTokens() == 1 ? "" : "s", reply.answerNanos() / 1e6, reply.tokensPerSecond());
        }
    }

    private void onCtrlC() {
        if (answering.get()) {
            stopRequested.set(true);
            return;
        }
        long now = System.nanoTime();
        if (now - lastIdleInterrupt < 3_000_000_000L) {
            console.out().println();
            console.out().flush();
            Runtime.getRuntime().exit(130); // as the JVM's own Ctrl-C handler does
        }
        lastIdleInterrupt = now;
        // A signal comes from a terminal: write where the prompt is.
        console.out().println();
        console.out().println("lucid: Ctrl-C stops an answer; /quit or Ctrl-D leaves (or Ctrl-C again)");
        console.out().print(PROMPT);
        console.out().flush();
    }
}
