package lucid.server;

import lucid.generate.Session;
import lucid.model.Model;
import lucid.sampling.SamplerChain;
import lucid.tokenizer.Utf8StreamDecoder;
import lucid.trace.LogitStats;
import lucid.trace.TraceRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * One KV-cache slot: a session that runs one request at a time, a step (one token) per call of
 * {@link #step}. The session keeps its tokens after a request, so a later request that starts
 * with the same tokens (a follow-up turn, a branch in the explorer) reuses them.
 */
final class Slot {
    private final Model model;
    final Session session;
    private Running running;

    Slot(Model model, Session session) {
        this.model = model;
        this.session = session;
    }

    boolean busy() {
        return running != null;
    }

    /** The request being served, with its progress. */
    private final class Running {
        final Job job;
        final SamplerChain sampler;
        final Utf8StreamDecoder decoder;
        final StopStrings stops;
        final TraceRecorder recorder;
        final long deadline;
        float[] logits;
        int generated;

        Running(Job job, int deadlineSeconds) {
            this.job = job;
            GenerationRequest r = job.request;
            this.sampler = r.sampling().toChain(model.config().vocabularySize());
            this.decoder = new Utf8StreamDecoder(model.tokenizer(), false);
            this.stops = new StopStrings(r.stop());
            this.recorder = r.trace() == null ? null : new TraceRecorder(model, r.trace(), r.sampling(), session);
            this.deadline = System.nanoTime() + deadlineSeconds * 1_000_000_000L;
        }
    }

    /** Starts a request: keeps the part of the cache its prompt shares with the previous sequence. */
    void start(Job job, int timeoutSeconds) {
        int[] prompt = job.request.prompt();
        int shared = Math.min(session.commonPrefix(prompt), prompt.length - 1); // the last prompt token is rerun for its logits
        session.truncate(shared);
        running = new Running(job, timeoutSeconds);
        if (running.recorder != null) {
            running.recorder.expectPrompt(prompt, "");
            session.setObserver(running.recorder);
        } else {
            session.setObserver(null);
        }
        for (int token : prompt) {
            running.sampler.accept(token); // penalties see the prompt
        }
        job.cachedTokens = shared;
    }

    /** Forgets a request that could not start. */
    void stop() {
        running = null;
        session.setObserver(null);
    }

    /** One unit of work: the prompt (first call), then one token per call. Returns false when the request is over. */
    boolean step() {
        Running r = running;
        try {
            if (r.logits == null) {
                if (r.job.cancelled) {
                    finish(null, "cancelled");
                    return false;
                }
                int[] prompt = r.job.request.prompt();
                r.logits = session.evaluate(java.util.Arrays.copyOfRange(prompt, session.length(), prompt.length));
                return true;
            }
            int token = chooseNext();
            if (token < 0) {
                return false;
            }
            r.logits = session.evaluate(token);
            return true;
        } catch (RuntimeException | Error e) {
            fail(e);
            return false;
        }
    }

    /**
     * Whether the next step can run beside other slots' in one {@link Session#evaluate(Session[],
     * int[], int, lucid.model.SequenceBatch)}: the prompt is done and nothing observes the pass
     * (a traced request steps alone: its observers read the pass as it happens).
     */
    boolean batchable() {
        return running != null && running.logits != null && session.observer() == null;
    }

    /**
     * The first half of a decode step: samples the next token from the last logits, reports it,
     * and returns it for the forward pass — or -1 when the request is over (stopped, finished,
     * cancelled, out of time or context), after reporting the end.
     */
    int chooseNext() {
        Running r = running;
        if (r.job.cancelled) {
            finish(null, "cancelled");
            return -1;
        }
        if (System.nanoTime() > r.deadline || r.generated >= r.job.request.maxTokens()) {
            finish("length", null);
            return -1;
        }
        int position = session.length();
        int token = r.sampler.sample(r.logits);
        if (session.observer() != null) {
            session.observer().onChoice(position, token, r.sampler.lastCandidates());
        }
        r.sampler.accept(token);
        r.generated++;
        boolean end = model.isEndOfGeneration(token);
        String text = end ? "" : r.stops.feed(r.decoder.feed(token));
        r.job.emit(tokenEvent(token, text, r));
        String reason = end || r.stops.stopped() ? "stop"
                : r.generated >= r.job.request.maxTokens() || session.isFull() ? "length" : null;
        if (reason != null) {
            finish(reason, null);
            return -1;
        }
        return token;
    }

    /** The second half of a batched decode step: the session's new logits are the next step's. */
    void evaluated() {
        running.logits = session.state().logits();
    }

    /** Ends the request with an error (a failed forward pass): the client gets it, the slot is free again. */
    void fail(Throwable e) {
        finish(null, e.getMessage() == null ? e.toString() : e.getMessage());
    }

    private Event.Token tokenEvent(int token, String text, Running r) {
        byte[] bytes = model.tokenizer().textBytes(token);
        String tokenText = display(token);
        double logprob = Double.NaN;
        List<Event.Alternative> alternatives = List.of();
        int wanted = r.job.request.logprobs();
        if (wanted >= 0) {
            LogitStats stats = new LogitStats(r.logits);
            logprob = stats.logprob(token);
            alternatives = new ArrayList<>(wanted);
            for (int id : stats.top(wanted)) {
                alternatives.add(new Event.Alternative(id, display(id), model.tokenizer().textBytes(id), stats.logprob(id)));
            }
        }
        return new Event.Token(token, text, tokenText, bytes, logprob, alternatives, r.recorder == null ? null : r.recorder.lastStep());
    }

    /** The token's text for logprobs: pieces of characters as {@code <0xNN>} (their bytes go in "bytes"). */
    private String display(int id) {
        return model.tokenizer().displayPiece(id);
    }

    /** Ends the request: flushes held-back text and reports the end (or the failure). */
    private void finish(String reason, String failure) {
        Running r = running;
        running = null;
        session.setObserver(null);
        if (failure != null && !"cancelled".equals(failure)) {
            session.reset();
            r.job.emit(new Event.Failed(failure));
            return;
        }
        String trailing = r.stops.stopped() ? "" : r.stops.feed(r.decoder.flush()) + r.stops.flush();
        r.job.emit(new Event.Done(reason == null ? "stop" : reason, r.job.request.prompt().length, r.generated, trailing,
                r.recorder == null ? null : r.recorder.trace()));
    }
}
