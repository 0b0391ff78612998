#!/usr/bin/env bash
# Lucid and llama.cpp's llama-bench on the same GGUF file, back to back in one run (this machine is
# noisy: only ratios from the same run mean something). Weights are loaded into memory for both
# (llama-bench -mmp 0, lucid --no-mmap), and both keep the KV cache in F16.
#
#   scripts/compare-llamacpp.sh MODEL.gguf [THREADS=1,2] [REPS=3] [PP=512] [TG=128]
#
# llama-bench comes from ../shared/tools/peer-llamacpp (copy it somewhere writable, npm ci, then
# bash build_native.sh); point LLAMA_BENCH at the binary if it is not in /tmp/peer/bin.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=${1:?usage: scripts/compare-llamacpp.sh MODEL.gguf [THREADS] [REPS] [PP] [TG]}
threads=${2:-1,2}
reps=${3:-3}
pp=${4:-512}
tg=${5:-128}
llama_bench=${LLAMA_BENCH:-/tmp/peer/bin/llama-bench}
if [ ! -x "$llama_bench" ]; then
  echo "compare-llamacpp: llama-bench not found at $llama_bench (see ../shared/tools/peer-llamacpp/README.md; set LLAMA_BENCH)" >&2
  exit 1
fi
echo "== $(date -u +%FT%TZ) $(basename "$model"), threads $threads, $reps repetitions"
for t in ${threads//,/ }; do
  echo "-- threads $t"
  "$llama_bench" -m "$model" -mmp 0 -p "$pp" -n "$tg" -t "$t" -r "$reps" 2>/dev/null | grep -E '^\| (llama|model)' | sed 's/^/llama.cpp /'
  "$root/lucid" bench -m "$model" -p "$pp" -n "$tg" -t "$t" -r "$reps" 2>/dev/null | grep -E '^\| (llama|model)' | sed 's/^/lucid     /'
done
