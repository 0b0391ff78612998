package lucid.generate;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, end-of-turn). */
    END_OF_SEQUENCE,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The context is full: no position is left for another token. */
    CONTEXT_FULL
}
