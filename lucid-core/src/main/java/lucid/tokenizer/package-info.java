/**
 * Text to token ids and back: the {@link lucid.tokenizer.Vocabulary} stored in a GGUF file, the
 * {@link lucid.tokenizer.Tokenizer} that encodes and decodes with it (SentencePiece BPE as llama.cpp
 * runs it, and byte-level BPE for the GPT-2 family: GPT-2, Llama 3, Qwen2, DeepSeek, Falcon,
 * StarCoder...), the {@link lucid.tokenizer.PreTokenizer} split rules of the byte-level models,
 * {@link lucid.tokenizer.Tokenizers} for Hugging Face, vocab.json + merges.txt and tiktoken files,
 * and {@link lucid.tokenizer.Utf8StreamDecoder} for printing generated tokens as they come.
 */
package lucid.tokenizer;
