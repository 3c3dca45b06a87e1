#!/usr/bin/env bash
# Builds wasm/re2.js + wasm/re2.wasm, the fallback regex engine used when the native `re2` module cannot be built or
# loaded (see README "Installing"). Inputs are all local: the RE2 and Abseil sources and the pattern translation that
# the installed `re2` npm package vendors (node_modules/re2), and Debian's `emscripten` package
# (apt-get install emscripten). Nothing is downloaded. Re-run after upgrading `re2`, then commit both outputs.
set -euo pipefail
# Debian's emscripten runs its JS tools with the node on PATH, which may not search Debian's node modules (acorn).
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs:/usr/lib/nodejs"
here="$(cd "$(dirname "$0")" && pwd)"
re2pkg="$(cd "${RE2_PACKAGE:-$here/../node_modules/re2}" && pwd)"
command -v em++ >/dev/null || { echo "build.sh: em++ not found (apt-get install emscripten)" >&2; exit 2; }
# Objects are kept between runs (wasm/.build, not committed): a re-run compiles only what changed.
work="$here/.build"
mkdir -p "$work"

# node-re2's JS-to-RE2 pattern translation; its Node addon header is replaced by the two helpers pattern.cc uses.
cp "$re2pkg/lib/pattern.cc" "$re2pkg/lib/pattern.h" "$work/"
[ -f "$re2pkg/lib/unicode_properties.h" ] && cp "$re2pkg/lib/unicode_properties.h" "$work/"
{
  echo '#pragma once'
  echo '#include <cstddef>'
  sed -n '/^inline size_t getUtf8CharSize(char ch)$/,/^}$/p' "$re2pkg/lib/wrapped_re2.h"
  sed -n '/^inline size_t getUtf8CharSize(char ch, size_t remaining)$/,/^}$/p' "$re2pkg/lib/wrapped_re2.h"
} > "$work/wrapped_re2.h"
grep -q 'getUtf8CharSize' "$work/wrapped_re2.h" || { echo "build.sh: getUtf8CharSize not found in node-re2's wrapped_re2.h" >&2; exit 1; }
# Newer node-re2 (1.27) skips an empty \B match inside a UTF-8 sequence; mirror whatever this version does.
nonword=0; grep -q 'hasNonWordBoundary' "$re2pkg/lib/wrapped_re2.h" && nonword=1

# The C++ sources node-re2 compiles on Linux (the first "sources" list of its binding.gyp), less its addon files.
mapfile -t sources < <(node -e '
  const gyp = require("fs").readFileSync(process.argv[1], "utf8");
  const list = gyp.slice(gyp.indexOf("\"sources\""), gyp.indexOf("]", gyp.indexOf("\"sources\"")));
  for (const m of list.matchAll(/"(vendor\/[^"]+\.cc)"/g)) console.log(m[1]);
' "$re2pkg/binding.gyp")
# Abseil picks its pthread-based waiter under Emscripten (no futex): node-re2 does not list it.
sources+=(vendor/abseil-cpp/absl/synchronization/internal/pthread_waiter.cc)

flags=(-O3 -std=c++2a -DNDEBUG -DNOMINMAX -I"$re2pkg/vendor/re2" -I"$re2pkg/vendor/abseil-cpp" -I"$work"
  -Wno-deprecated-builtins -Wno-deprecated-declarations -Wno-unknown-warning-option)
objs=()
jobs="${JOBS:-2}"
i=0
for src in "${sources[@]}" ; do
  obj="$work/$(echo "$src" | tr '/' '_').o"
  objs+=("$obj")
  [[ -s "$obj" && "$obj" -nt "$re2pkg/$src" ]] && continue
  em++ "${flags[@]}" -c "$re2pkg/$src" -o "$obj" &
  i=$((i + 1)); if (( i % jobs == 0 )); then wait; fi
done
em++ "${flags[@]}" -c "$work/pattern.cc" -o "$work/pattern.o" &
em++ "${flags[@]}" -DLW_NONWORD_FIX=$nonword -c "$here/re2.cc" -o "$work/lw.o" &
wait
exports='["_lw_alloc","_lw_free","_lw_error","_lw_compile","_lw_release","_lw_groups","_lw_match","_lw_test","_lw_set_new","_lw_set_add","_lw_set_compile","_lw_set_match","_lw_set_release"]'
em++ -O3 "${objs[@]}" "$work/pattern.o" "$work/lw.o" -o "$work/re2.js" \
  -sMODULARIZE=1 -sEXPORT_NAME=createRe2 -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1 \
  -sFILESYSTEM=0 -sEXPORTED_FUNCTIONS="$exports" -sEXPORTED_RUNTIME_METHODS='["HEAPU8","HEAP32","UTF8ToString"]'
# .cjs: the package is "type": "module", and the glue is CommonJS.
mv "$work/re2.js" "$here/re2.cjs"
mv "$work/re2.wasm" "$here/re2.wasm"
echo "built $here/re2.wasm ($(stat -c %s "$here/re2.wasm") bytes) from re2 $(node -p "require('$re2pkg/package.json').version")"
