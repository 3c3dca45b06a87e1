// RE2 for the WebAssembly fallback engine (src/core/regex-wasm.ts): the same RE2 sources, pattern translation and
// match calls as the native `re2` package (lib/new.cc, lib/exec.cc, lib/set.cc of node-re2), over byte buffers, so
// both engines give identical matches and byte offsets, on any input bytes. Built by wasm/build.sh.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include <emscripten/emscripten.h>
#include <re2/re2.h>
#include <re2/set.h>

#include "pattern.h"

namespace {

std::string lastError;

struct Regex {
  re2::RE2 re;
  bool nonWordBoundary;  // node-re2 1.27: an empty match inside a UTF-8 sequence is skipped when the pattern has \B
  Regex(const std::string &pattern, const re2::RE2::Options &options)
      : re(pattern, options), nonWordBoundary(LW_NONWORD_FIX && pattern.find("\\B") != std::string::npos) {}
};

re2::RE2::Options optionsFor(int flags) {
  // flags: 1 ignoreCase, 2 multiline, 4 dotAll (node-re2's 'i', 'm', 's')
  re2::RE2::Options options;
  options.set_case_sensitive(!(flags & 1));
  options.set_one_line(!(flags & 2));
  options.set_dot_nl((flags & 4) != 0);
  options.set_log_errors(false);
  return options;
}

std::string translate(const char *data, size_t size, bool multiline) {
  std::vector<char> buffer;
  if (translateRegExp(data, size, multiline, buffer)) return std::string(buffer.data(), buffer.size() - 1);
  return std::string(data, size);
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void *lw_alloc(size_t n) { return std::malloc(n); }
EMSCRIPTEN_KEEPALIVE void lw_free(void *p) { std::free(p); }
EMSCRIPTEN_KEEPALIVE const char *lw_error() { return lastError.c_str(); }

/** A compiled pattern, or null (the reason in lw_error()). */
EMSCRIPTEN_KEEPALIVE Regex *lw_compile(const char *pattern, size_t size, int flags) {
  auto *r = new Regex(translate(pattern, size, (flags & 2) != 0), optionsFor(flags));
  if (!r->re.ok()) {
    lastError = r->re.error();
    delete r;
    return nullptr;
  }
  std::unordered_set<std::string> names;
  for (const auto &g : r->re.CapturingGroupNames()) {
    if (!names.insert(g.second).second) {
      lastError = "duplicate capture group name";
      delete r;
      return nullptr;
    }
  }
  return r;
}

EMSCRIPTEN_KEEPALIVE void lw_release(Regex *r) { delete r; }
EMSCRIPTEN_KEEPALIVE int lw_groups(Regex *r) { return r->re.NumberOfCapturingGroups(); }

/**
 * Searches text[start, size) (anchored at start when `anchored`), the whole text being context for \b and ^.
 * On a match writes begin/end byte offsets of the match and of each group (-1 when a group took no part) into
 * `out` (2 * (groups + 1) ints) and returns 1.
 */
EMSCRIPTEN_KEEPALIVE int lw_match(Regex *r, const char *text, size_t size, size_t start, int anchored, int32_t *out) {
  const int n = r->re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(n);
  const re2::StringPiece whole(text, size);
  const auto anchor = anchored ? re2::RE2::ANCHOR_START : re2::RE2::UNANCHORED;
  bool found;
  if (!r->nonWordBoundary || anchored) {
    found = r->re.Match(whole, start, size, anchor, groups.data(), n);
  } else {
    found = false;
    while (start <= size && r->re.Match(whole, start, size, anchor, groups.data(), n)) {
      const size_t position = groups[0].data() - text;
      if (groups[0].size() || position == size || (text[position] & 0xC0) != 0x80) {
        found = true;
        break;
      }
      start = position + 1;
    }
  }
  if (!found) return 0;
  for (int i = 0; i < n; i++) {
    const char *d = groups[i].data();
    out[2 * i] = d ? static_cast<int32_t>(d - text) : -1;
    out[2 * i + 1] = d ? static_cast<int32_t>(d - text + groups[i].size()) : -1;
  }
  return 1;
}

/** Does the pattern match anywhere in text (node-re2's `test` without g/y)? */
EMSCRIPTEN_KEEPALIVE int lw_test(Regex *r, const char *text, size_t size) {
  re2::StringPiece m;
  if (!r->nonWordBoundary) return r->re.Match(re2::StringPiece(text, size), 0, size, re2::RE2::UNANCHORED, nullptr, 0);
  return lw_match(r, text, size, 0, 0, reinterpret_cast<int32_t *>(&m)) ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE re2::RE2::Set *lw_set_new(int flags, double maxMem) {
  auto options = optionsFor(flags);
  if (maxMem > 0) options.set_max_mem(static_cast<int64_t>(maxMem));
  return new re2::RE2::Set(options, re2::RE2::UNANCHORED);
}

/** Adds a pattern; -1 when it does not compile (reason in lw_error()). */
EMSCRIPTEN_KEEPALIVE int lw_set_add(re2::RE2::Set *set, const char *pattern, size_t size, int multiline) {
  std::string error;
  const int index = set->Add(translate(pattern, size, multiline != 0), &error);
  if (index < 0) lastError = error.empty() ? "Invalid pattern in RE2.Set." : error;
  return index;
}

EMSCRIPTEN_KEEPALIVE int lw_set_compile(re2::RE2::Set *set) { return set->Compile() ? 1 : 0; }

/**
 * Writes the indices of the patterns that match somewhere in text into out (ascending, up to max); returns their
 * count, or -1 when RE2 could not decide (out of memory: reason in lw_error()).
 */
EMSCRIPTEN_KEEPALIVE int lw_set_match(re2::RE2::Set *set, const char *text, size_t size, int32_t *out, int max) {
  std::vector<int> hits;
  re2::RE2::Set::ErrorInfo info{re2::RE2::Set::kNoError};
  if (!set->Match(re2::StringPiece(text, size), &hits, &info)) {
    if (info.kind == re2::RE2::Set::kNoError) return 0;
    lastError = info.kind == re2::RE2::Set::kOutOfMemory ? "RE2.Set matching failed: out of memory." : "RE2.Set matching failed.";
    return -1;
  }
  std::sort(hits.begin(), hits.end());
  int n = 0;
  for (int h : hits) {
    if (n < max) out[n] = h;
    n++;
  }
  return n;
}

EMSCRIPTEN_KEEPALIVE void lw_set_release(re2::RE2::Set *set) { delete set; }

}  // extern "C"
