/**
 * Text to token ids and back: the {@link lucid.tokenizer.Vocabulary} stored in a GGUF file, the
 * {@link lucid.tokenizer.Tokenizer} that encodes and decodes with it (SentencePiece BPE as
 * llama.cpp runs it), and {@link lucid.tokenizer.Utf8StreamDecoder} for printing generated tokens
 * as they come.
 */
package lucid.tokenizer;
