# Sourced by ./lucid and scripts/mvn: find_java prints a java binary of version >= $min_java
# (JAVA_HOME first, then the usual install folders, then PATH), or says what is missing.
min_java=${min_java:-25}

java_feature_version() { # prints the feature version of the java binary $1, or nothing
  local release v
  # A JDK's release file names its version: reading it is much faster than starting a JVM.
  release="$(cd "$(dirname "$1")/.." 2>/dev/null && pwd)/release"
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n1)
    if [ -n "$v" ]; then
      echo "$v"
      return
    fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_java() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for c in /usr/lib/jvm/*/bin/java /usr/local/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*jdk*/bin/java \
           "$HOME"/.sdkman/candidates/java/*/bin/java "$HOME"/.jdks/*/bin/java \
           /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java; do
    candidates+=("$c")
  done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  seen=""
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    v=$(java_feature_version "$c")
    [ -n "$v" ] || continue
    seen="$seen $c ($v)"
    if [ "$v" -ge "$min_java" ]; then
      echo "$c"
      return 0
    fi
  done
  echo "lucid: needs a JDK $min_java or newer, found none${seen:+ (found:$seen)}." >&2
  echo "lucid: install one (e.g. Temurin $min_java) and point JAVA_HOME at it." >&2
  return 1
}

