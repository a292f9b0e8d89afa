# Sourced by ./resnet4j and ./run-tests: finds a JDK 25 and exports JAVA_HOME for this process only.
# Order: $RESNET4J_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install folders.
resnet4j_java_major() {
  local rel="$1/release"
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$rel" ] || return 1
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
}
resnet4j_find_jdk() {
  local c major
  local candidates=("${RESNET4J_JAVA_HOME:-}" "${JAVA_HOME:-}")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    major=$(resnet4j_java_major "$c" 2>/dev/null) || continue
    if [ "$major" = "25" ]; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<'MSG'
resnet4j needs a JDK 25 (javac and the jdk.incubator.vector module), and none was found in
$RESNET4J_JAVA_HOME, $JAVA_HOME, on PATH or under /usr/lib/jvm.
Install one, for example Eclipse Temurin 25 (https://adoptium.net, or the apt repository
packages.adoptium.net: apt-get install temurin-25-jdk), then run this command again; if it lives
somewhere unusual, point RESNET4J_JAVA_HOME at it.
MSG
  return 1
}
# JVM options of ./resnet4j (and of bench/side_by_side.sh's "as the launcher runs it" line). Training
# recycles its tensors' memory (see Module), so after the first step the heap is a steady live set of
# a few hundred large arrays and almost no garbage. The serial collector then keeps the heap close to
# that live set, while G1 keeps 40% to 70% of it free on top (measured for ResNet-50 training, batch 8,
# 224x224, with /usr/bin/time: 2.8 GB resident with G1, 1.5 GB serial, at the same step time, since
# collections are rare and short). RESNET4J_JAVA_OPTS comes later on the command line and overrides it.
RESNET4J_GC_OPTS="-XX:+UseSerialGC"
resnet4j_need_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "resnet4j builds with Apache Maven (3.8 or newer), which is not on PATH: apt-get install maven" >&2
  return 1
}
# What a build script needs before it starts: a JDK 25 (exported) and Maven, each failing with how to get it.
resnet4j_build_tools() {
  resnet4j_find_jdk && resnet4j_need_maven
}
# The reference side of the benchmarks: sets PY to Debian's python3 and checks that it imports each module named,
# failing with the package that provides it (PyPI is not needed: numpy, torch and torchvision are Debian's).
resnet4j_reference_python() {
  PY=/usr/bin/python3
  local m pkg
  for m in "$@"; do
    "$PY" -c "import $m" 2>/dev/null && continue
    case "$m" in
      numpy) pkg="python3-numpy libopenblas0-pthread" ;;
      *) pkg="python3-$m" ;;
    esac
    echo "$(basename "$0") needs the Python module $m for $PY: apt-get install $pkg" >&2
    return 1
  done
}
