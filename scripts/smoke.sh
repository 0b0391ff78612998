#!/usr/bin/env bash
# Smoke test of the ./lucid launcher as a user runs it: JDK discovery, model lookup by name,
# streaming output, one-line errors with the right exit codes.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
failures=0
./lucid --version >/dev/null 2>&1 || { echo "FAIL - ./lucid --version (does the CLI build?)"; exit 1; }
check() { # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}

out=$(./lucid run -m stories260K -p "Once upon a time" -n 30 --temp 0 2>/tmp/lucid-smoke.err)
code=$?
check "run by name exits 0" test "$code" -eq 0
expected="Once upon a time, there was a little girl named Lily. She loved to play"
check "run prints prompt + greedy continuation" test "${out:0:${#expected}}" = "$expected"
check "run reports its speed on stderr" grep -q "tok/s" /tmp/lucid-smoke.err
check "no JVM warning reaches the user" bash -c '! grep -q "incubator" /tmp/lucid-smoke.err'

chat=$(printf 'Hello!\n/help\n' | ./lucid chat -m stories260K -n 8 --temp 0 2>/tmp/lucid-smoke.err)
code=$?
check "chat over piped input exits 0" test "$code" -eq 0
check "chat echoes the message after the prompt" test "${chat:0:8}" = "> Hello!"
check "chat lists its commands" grep -q "/save FILE" <<<"$chat"
check "chat names its template on stderr" grep -q "chat template: built-in Llama 2" /tmp/lucid-smoke.err

./lucid run -m no-such-model -p hi >/dev/null 2>/tmp/lucid-smoke.err
code=$?
check "unknown model exits 1" test "$code" -eq 1
check "unknown model: exactly one stderr line" test "$(grep -c . /tmp/lucid-smoke.err)" -eq 1
check "unknown model: says where it looked" grep -q "LUCID_MODELS" /tmp/lucid-smoke.err

./lucid run -m stories260K --top-p 3 >/dev/null 2>/tmp/lucid-smoke.err
check "--top-p 3 exits 1 with one line" test "$?" -eq 1 -a "$(grep -c . /tmp/lucid-smoke.err)" -eq 1

ids=$(./lucid tokenize -m stories260K "Lily and Tom" 2>/dev/null)
check "tokenize prints ids" test "$ids" = "1 317 269 274 287"

zh=$(./lucid tokenize -m stories260K --no-bos "人工智能是" 2>/dev/null)
check "tokenize Chinese (UTF-8 arguments)" test "$zh" = "410 231 189 189 232 186 168 233 156 189 235 134 192 233 155 178"

./lucid inspect ../shared/models/stories260K.gguf >/tmp/lucid-smoke.out 2>&1
check "inspect shows the architecture" grep -q "architecture: llama" /tmp/lucid-smoke.out

msg=$(min_java=99 bash -c '. scripts/find-java.sh; find_java' 2>&1 >/dev/null)
check "missing JDK is explained" grep -q "needs a JDK 99 or newer" <<<"$msg"

rm -f /tmp/lucid-smoke.err /tmp/lucid-smoke.out
if [ "$failures" -ne 0 ]; then
  echo "smoke test: $failures failure(s)"
  exit 1
fi
echo "smoke test: all passed"
