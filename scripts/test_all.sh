#!/usr/bin/env bash
# The full suite, in order, stopping at the first failing stage:
#   check    deno check, deno lint, deno fmt --check, deno doc --lint, runtime-free, import-graph and version checks
#   build    the npm package (tsc, strict) into npm/, and its packed file list;
#            before the test runs, because the cross-runtime tests on Deno and
#            Bun start Node peers from npm/esm/mod.js
#   package  the packed tarball installed into a temporary project and used
#            as users do (scripts/test_package.ts: the README's Install
#            section, ESM, CommonJS, TypeScript, Bun, Deno)
#   deno     deno test -A tests/
#   bun      bun test ./tests/ (each file in a fresh global: --isolate)
#   node     node --test over the compiled tests in npm/esm/tests/
#   bench    the benchmark harness as a smoke test: bench/run.ts --quick (libzmq's C
#            programs, zeromq.js and ours on the three runtimes, short cells);
#            passes when every cell was measured and results.json and the report
#            (in .tmp/bench-quick/) were written; no speed is judged
#   publish  deno publish --dry-run (skipped only when it fails for want of network)
# Ends with one line `N passed, M failed[, K skipped]`, summed over the three
# runtimes and the package cases; exits non-zero if any stage failed.
#
# Usage: bash scripts/test_all.sh [-k|--keep-going] [stage...]
#   -k        run every stage even after one fails (still exits non-zero)
#   stage...  run only these stages (e.g. `deno bun`; `node`, `package` and `bench` imply `build`)
# Env: STAGE_TIMEOUT (seconds per stage, default 420), TEST_TIMEOUT_MS
# (bun's per-test default instead of its 5000, default 30000).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DENO=$ROOT/node_modules/.bin/deno
BUN=$ROOT/node_modules/.bin/bun
STAGE_TIMEOUT=${STAGE_TIMEOUT:-420}
TEST_TIMEOUT_MS=${TEST_TIMEOUT_MS:-30000}
export NO_COLOR=1 # plain output, so the runners' summaries can be parsed
export RUST_BACKTRACE=0 # Deno otherwise appends an empty backtrace to each error

KEEP_GOING=0
ONLY=()
for a in "$@"; do
  case $a in
    -k | --keep-going) KEEP_GOING=1 ;;
    check | build | package | deno | bun | node | bench | publish) ONLY+=("$a") ;;
    *)
      echo "test_all: unknown argument '$a'" >&2
      exit 2
      ;;
  esac
done

for bin in "$DENO" "$BUN"; do
  if [[ ! -x $bin ]]; then
    echo "test_all: $bin is missing: run 'npm ci' first" >&2
    exit 2
  fi
done

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/zmtp-test-all.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT

PASSED=0
FAILED=0
SKIPPED=0
STAGE_FAILED=0
BUILD_RC=0
REPORT=()

banner() { printf '\n======== %s ========\n' "$*"; }

wanted() {
  [[ ${#ONLY[@]} -eq 0 ]] && return 0
  local s
  for s in "${ONLY[@]}"; do [[ $s == "$1" || ($1 == build && ($s == node || $s == package || $s == bench)) ]] && return 0; done
  return 1
}

# run LOG CMD...: runs CMD under the stage timeout, output to the console and LOG.
run() {
  local log=$1
  shift
  timeout --kill-after=10 "$STAGE_TIMEOUT" "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "test_all: '$*' timed out after ${STAGE_TIMEOUT}s" | tee -a "$log"
  fi
  return "$rc"
}

# finish NAME RC START [P F S]: records a stage; exits at once on failure unless -k.
finish() {
  local name=$1 rc=$2 start=$3 p=${4:-} f=${5:-} s=${6:-}
  local secs=$((SECONDS - start)) counts=""
  if [[ -n $p ]]; then
    # A runner that failed without a failing test (load error, crash, timeout) counts one.
    if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    counts=$(printf '%4d passed %3d failed %3d skipped' "$p" "$f" "$s")
  fi
  local verdict=ok
  if [[ $rc -eq 77 ]]; then
    verdict=SKIPPED
  elif [[ $rc -ne 0 ]]; then
    verdict=FAILED
    STAGE_FAILED=1
    # A stage without test counts (check, build, publish) still counts as one failure.
    if [[ -z $p ]]; then FAILED=$((FAILED + 1)); fi
  fi
  REPORT+=("$(printf '  %-8s %-8s %5ss  %s' "$name" "$verdict" "$secs" "$counts")")
  banner "$name: $verdict (${secs}s)"
  if [[ $verdict == FAILED && $KEEP_GOING -eq 0 ]]; then
    summary
    exit 1
  fi
}

summary() {
  banner "summary"
  printf '%s\n' "${REPORT[@]}"
  if [[ $SKIPPED -gt 0 ]]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  else
    echo "$PASSED passed, $FAILED failed"
  fi
}

# count LOG REGEX: the number captured by the last line matching REGEX (0 if none).
count() {
  local n
  n=$(grep -oE "$2" "$1" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
  echo "${n:-0}"
}

# junit_leaves XML: "passed failed skipped" over the leaf test cases of a Deno
# JUnit report, where a step is named "parent > child". A failed parent with
# no failed descendant (e.g. a hook threw) counts as one failure.
junit_leaves() {
  [[ -s $1 ]] || return 1
  node - "$1" <<'JS'
const xml = require("node:fs").readFileSync(process.argv[2], "utf8");
const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)]
  .map(([, name, body]) => ({ name, failed: body.includes("<failure"), skipped: body.includes("<skipped") }));
let p = 0, f = 0, s = 0;
for (const c of cases) {
  const kids = cases.filter((k) => k.name.startsWith(c.name + " &gt; "));
  if (kids.length === 0) c.skipped ? s++ : c.failed ? f++ : p++;
  else if (c.failed && !kids.some((k) => k.failed)) f++;
}
console.log(p, f, s);
JS
}

# ---------------------------------------------------------------- check
if wanted check; then
  banner "check: deno check, deno lint, deno fmt --check, runtime-free, imports, versions"
  start=$SECONDS
  log=$LOGS/check.log
  targets=(mod.ts draft.ts cli.ts)
  for d in transports tests bench scripts examples/zguide; do [[ -d $d ]] && targets+=("$d/"); done
  rc=0
  echo "-- deno check ${targets[*]}"
  run "$log" "$DENO" check "${targets[@]}" || rc=1
  echo "-- deno lint"
  run "$log" "$DENO" lint || rc=1
  echo "-- deno fmt --check"
  run "$log" "$DENO" fmt --check || rc=1
  echo "-- check_runtime_free"
  run "$log" "$DENO" run --allow-read --allow-env scripts/check_runtime_free.ts || rc=1
  echo "-- deno doc --lint mod.ts browser.ts draft.ts v5-compat.ts cli.ts"
  NO_COLOR=1 "$DENO" doc --lint mod.ts browser.ts draft.ts v5-compat.ts cli.ts >"$LOGS/doclint.txt" 2>&1 || true
  # Each entry alone as well: a type exported by only one entry would hide
  # another entry's reference to it when they are linted together.
  for entry in mod.ts browser.ts draft.ts v5-compat.ts cli.ts; do
    NO_COLOR=1 "$DENO" doc --lint "$entry" >>"$LOGS/doclint.txt" 2>&1 || true
  done
  if grep -q '^error' "$LOGS/doclint.txt"; then
    grep -A4 '^error' "$LOGS/doclint.txt" | tee -a "$log"
    rc=1
  else
    echo "deno doc --lint: no errors"
  fi
  # Every @example in the JSDoc type-checks, importing the package as a user does
  # ("zmtp-zeromq", mapped to mod.ts by deno.json's imports).
  echo "-- deno test --doc --no-run (type-checks every JSDoc example)"
  run "$log" "$DENO" test --doc --no-run mod.ts browser.ts draft.ts v5-compat.ts lib/ transports/ compat/ >/dev/null || rc=1
  echo "-- check_doc_links (deno doc --html into .tmp/docs, every link resolves)"
  run "$log" "$DENO" run -A scripts/check_doc_links.ts || rc=1
  echo "-- check_imports"
  run "$log" "$DENO" run --allow-read --allow-env scripts/check_imports.ts || rc=1
  echo "-- check_versions"
  run "$log" "$DENO" run --allow-read scripts/check_versions.ts || rc=1
  echo "-- gen_salsa_wasm --check (salsa_wasm.ts is what salsa.wat compiles to)"
  run "$log" "$DENO" run -A scripts/gen_salsa_wasm.ts --check || rc=1
  finish check "$rc" "$start"
fi

# ---------------------------------------------------------------- build
if wanted build; then
  banner "build: npm package (scripts/build_npm.ts) and npm pack --dry-run"
  start=$SECONDS
  log=$LOGS/build.log
  rc=0
  run "$log" "$DENO" run -A scripts/build_npm.ts || rc=$?
  if [[ $rc -eq 0 ]]; then
    # The published file list must hold the package and nothing from tests/.
    packed=$(cd npm && npm pack --dry-run --json 2>/dev/null) || rc=1
    if [[ $rc -ne 0 ]] || ! grep -q '"path": "esm/mod.js"' <<<"$packed" || grep -q '"path": "esm/tests/' <<<"$packed"; then
      echo "test_all: npm pack --dry-run of npm/ failed or lists the wrong files" | tee -a "$log"
      rc=1
    else
      echo "npm pack --dry-run: $(grep -c '"path":' <<<"$packed") files, none from tests/"
    fi
  fi
  BUILD_RC=$rc
  finish build "$rc" "$start"
fi

# ---------------------------------------------------------------- package
if wanted package; then
  banner "package: npm pack, installed and used in a temporary project (scripts/test_package.ts)"
  start=$SECONDS
  log=$LOGS/package.log
  rc=0
  if [[ $BUILD_RC -ne 0 ]]; then
    echo "test_all: no fresh npm build to pack (the build stage failed)"
    finish package 1 "$start"
  else
    run "$log" "$DENO" run -A scripts/test_package.ts || rc=$?
    # "test_package: 27 passed, 0 failed"; 77: the registry was out of reach.
    if [[ $rc -eq 77 ]]; then
      finish package 77 "$start"
    else
      line=$(grep -E '^test_package: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
      printf '%s\n' "$line" >"$log.summary"
      finish package "$rc" "$start" "$(count "$log.summary" '[0-9]+ passed')" "$(count "$log.summary" '[0-9]+ failed')" 0
    fi
  fi
fi

# ---------------------------------------------------------------- deno test
if wanted deno; then
  banner "deno: deno test -A tests/"
  start=$SECONDS
  log=$LOGS/deno.log
  rc=0
  run "$log" "$DENO" test -A --junit-path="$LOGS/deno.xml" tests/ || rc=$?
  # Deno's own summary ("ok | 10 passed (154 steps) | 0 failed") counts each
  # describe() as a test and each it() as a step; its JUnit report gives the
  # leaf tests, which is what bun and node count.
  if ! counts=$(junit_leaves "$LOGS/deno.xml"); then
    line=$(grep -E '^(ok|FAILED) \| ' "$log" | tail -n 1)
    printf '%s\n' "$line" >"$log.summary"
    counts="$(count "$log.summary" '[0-9]+ passed') $(count "$log.summary" '[0-9]+ failed')"
    counts+=" $(count "$log.summary" '[0-9]+ ignored')"
  fi
  read -r p f s <<<"$counts"
  echo "deno: $p leaf tests passed, $f failed, $s skipped"
  finish deno "$rc" "$start" "$p" "$f" "$s"
fi

# ---------------------------------------------------------------- bun test
if wanted bun; then
  # Bun finds *_test.ts itself; the ./ prefix makes the argument a path, not a
  # substring filter (which would also match npm/esm/tests/). --isolate gives
  # each file a fresh global object, as deno and node --test do per file.
  banner "bun: bun test --isolate ./tests/"
  start=$SECONDS
  log=$LOGS/bun.log
  rc=0
  run "$log" "$BUN" test --isolate --timeout="$TEST_TIMEOUT_MS" ./tests/ || rc=$?
  # " 12 pass", " 0 fail", " 1 skip", " 1 error" (an error outside any test)
  fails=$(($(count "$log" '^ *[0-9]+ fail$') + $(count "$log" '^ *[0-9]+ errors?$')))
  finish bun "$rc" "$start" \
    "$(count "$log" '^ *[0-9]+ pass$')" "$fails" "$(count "$log" '^ *[0-9]+ (skip|todo)$')"
fi

# ---------------------------------------------------------------- node --test
if wanted node; then
  banner "node: node --test npm/esm/tests/**/*_test.js"
  start=$SECONDS
  log=$LOGS/node.log
  rc=0
  mapfile -t files < <(find npm/esm/tests -name '*_test.js' 2>/dev/null | sort)
  if [[ $BUILD_RC -ne 0 || ${#files[@]} -eq 0 ]]; then
    echo "test_all: no fresh npm build to test (the build stage failed or npm/esm/tests is empty)"
    finish node 1 "$start"
  else
    echo "node --test: ${#files[@]} files"
    # No --test-timeout: on Node 20 it also bounds each whole file; tests set
    # their own. --test-force-exit ends a file once its tests are done even if
    # a handle leaked, as deno test and bun test do, instead of hanging the run.
    run "$log" node --test --test-reporter=spec --test-force-exit "${files[@]}" || rc=$?
    # "ℹ pass 12", "ℹ fail 0", "ℹ cancelled 0", "ℹ skipped 1", "ℹ todo 0"
    fails=$(($(count "$log" '^ℹ fail [0-9]+$') + $(count "$log" '^ℹ cancelled [0-9]+$')))
    skips=$(($(count "$log" '^ℹ skipped [0-9]+$') + $(count "$log" '^ℹ todo [0-9]+$')))
    finish node "$rc" "$start" "$(count "$log" '^ℹ pass [0-9]+$')" "$fails" "$skips"
  fi
fi

# ---------------------------------------------------------------- bench --quick
if wanted bench; then
  banner "bench: deno run -A bench/run.ts --quick (a smoke test of the harness, no speeds judged)"
  start=$SECONDS
  log=$LOGS/bench.log
  rc=0
  if [[ $BUILD_RC -ne 0 || ! -f npm/esm/mod.js ]]; then
    echo "test_all: no fresh npm build for the Node peers (the build stage failed)"
    finish bench 1 "$start"
  else
    run "$log" "$DENO" run -A bench/run.ts --quick || rc=$?
    finish bench "$rc" "$start"
  fi
fi

# ---------------------------------------------------------------- deno publish
if wanted publish; then
  banner "publish: deno publish --dry-run --allow-dirty"
  start=$SECONDS
  log=$LOGS/publish.log
  rc=0
  run "$log" "$DENO" publish --dry-run --allow-dirty || rc=$?
  if [[ $rc -ne 0 ]] && grep -qiE 'error sending request|dns error|failed to lookup address|connection refused|network is unreachable|tcp connect error|os error (101|111|113)' "$log" \
    && ! grep -qE '^error\[' "$log"; then
    echo "test_all: deno publish --dry-run could not reach the registry; stage skipped (no package problem was reported)"
    rc=77
  fi
  finish publish "$rc" "$start"
fi

summary
[[ $STAGE_FAILED -eq 0 && $FAILED -eq 0 ]]
