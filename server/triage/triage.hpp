// Urgency triage: a pure function of text -> {level, score, categories}, driven by lexicon data files.
//
// The pipeline, signal classes, weights and modifiers follow docs/triage.md (which follows the shared
// "triage-lexicon" proposal). Everything here is immutable after load_blocking(), so one engine may be
// used from any number of threads at once without locking.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::triage {

enum class level : std::uint8_t { low = 0, normal = 1, high = 2, critical = 3 };

std::string_view to_string(level lvl);

// One lexicon pattern that fired, for --explain and for the counselor's "why".
struct match {
    std::string term;          // the pattern as written in the lexicon file
    std::string text;          // the normalised tokens it matched in the message
    std::string category;      // category code, "-" for modifier cues
    std::string signal_class;  // A, I, M, P, ... or a cue class (NEG, PAST, HYP, ...)
    int weight = 0;            // effective weight after modifiers
    std::string language;      // vi, en, zh, emoji
    bool negated = false;
};

struct assessment {
    level lvl = level::low;
    int score = 0;
    std::vector<std::string> categories;  // most urgent first
    std::vector<match> matches;
    std::vector<std::string> rules;  // rule names that fired, e.g. "ideation_plus_plan", "hyperbole"
    bool third_party = false;        // the student reports about another child: same urgency, other workflow
};

// A lexicon file is wrong; what() is "file:line: reason" so school IT can fix it.
class lexicon_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
struct lexicon;
struct window_state;
struct risk_model;
}  // namespace detail

class send_window;

class engine {
public:
    // Reads vi.tsv, en.tsv, zh.tsv, emoji.tsv, teencode.tsv and t2s.tsv from lexicon_dir.
    // Throws lexicon_error on any invalid line. Blocking: file I/O, call it at start-up.
    static engine load_blocking(const std::filesystem::path& lexicon_dir);

    // One message. Never throws: on an internal error the result is high with rule "engine_error".
    assessment assess(std::string_view text) const;

    // The same, with `matches` filled only when `with_matches` (the CLI without --explain skips the
    // strings it would not print).
    assessment assess(std::string_view text, bool with_matches) const;

    // The session window, oldest first, newest last: the level of the case after the newest send.
    // Each message alone and the last window_messages together are assessed; the highest wins, so
    // a critical message stays critical while it is in the window.
    assessment assess_window(std::span<const std::string> recent_texts) const;

    // The server's per-send call: the newest send alone and the window read together. The earlier
    // sends were judged when they came and the case keeps the highest level (sticky), so judging
    // them alone again on every send (as assess_window does) is work the server need not repeat.
    // with_matches=false skips the match list (the explanation), as assess(text, false) does.
    assessment assess_send(std::span<const std::string> recent_texts, bool with_matches = true) const;

    // The same verdict for a session's window after its newest push(), from the tokens and matches the
    // window kept: only the newest send is read. Never throws (an error -> high, "engine_error").
    assessment assess_send(const send_window& window, bool with_matches = false) const;

    // Number of lexicon entries loaded (for logs and the health of the lexicon).
    std::size_t entry_count() const;
    // Whether the lexicon folder held a risk model (model.tsv), for logs.
    bool has_risk_model() const { return model_ != nullptr; }

    // contract: the window is the last 10 messages (triage-lexicon §1 step 0).
    static constexpr std::size_t window_messages = 10;

private:
    engine(std::shared_ptr<const detail::lexicon> lex, std::shared_ptr<const detail::risk_model> model);
    std::shared_ptr<const detail::lexicon> lex_;
    std::shared_ptr<const detail::risk_model> model_;  // null without model.tsv: the lexicon alone decides

    friend int run_check_blocking(const std::filesystem::path&, std::ostream&, std::ostream&);
    friend class send_window;
};

// One student session's recent sends (lexicon doc §1 step 0: the last 10, none older than 15 minutes),
// each tokenised and matched once when pushed, so that a send costs the work of its own text only
// (engine::assess_send(const send_window&)). Holds nothing until the first push. Not thread-safe: one
// session's strand owns it.
class send_window {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t max_sends = engine::window_messages;
    static constexpr clock::duration max_age = std::chrono::minutes(15);

    send_window();
    send_window(send_window&&) noexcept;
    send_window& operator=(send_window&&) noexcept;
    ~send_window();

    // Drops the sends older than max_age at `at`, then adds `text` (and drops the oldest beyond
    // max_sends). A send whose non-empty `id` is still in the window is a retry: it is not added again
    // and false is returned. Never throws: after an error the next assess_send is high with
    // "engine_error", and the next push reads the window's texts again.
    bool push(const engine& eng, std::string_view id, std::shared_ptr<const std::string> text, clock::time_point at);

    std::size_t size() const;
    // The window's texts, oldest first (shared, not copied), e.g. for an explanation built later.
    std::vector<std::shared_ptr<const std::string>> texts() const;
    // Heap bytes held (tokens, readings, matches, ids and the texts), for tests and docs/performance.md.
    std::size_t memory_bytes() const;
    void clear();

private:
    friend class engine;
    std::unique_ptr<detail::window_state> s_;
    bool failed_ = false;  // the last push could not even allocate the state
};

// The body of `tamsu triage [--explain]` (contract §1): one JSON object per input line.
// Streams with bounded memory (very long lines are assessed in overlapping chunks); a line with
// invalid UTF-8 is at least high with rule "invalid_utf8". Returns the process exit code.
int run_cli(std::istream& in, std::ostream& out, std::ostream& err, const engine& eng, bool explain);

// One assessment as the contract's JSON object (no trailing newline).
std::string to_json(const assessment& a, bool explain);

// `tamsu triage --check` (docs/triage.md "Checking a lexicon edit"): loads the lexicon folder with the
// server's validation. Every invalid line goes to `err` as "file:line: reason" and the result is 1
// (the server would refuse to start). Otherwise a short summary goes to `out`, the built-in canary
// sentences (one clear critical per language) are assessed, and the result is 0, or 1 if one of
// them is no longer critical. Blocking: file I/O.
int run_check_blocking(const std::filesystem::path& lexicon_dir, std::ostream& out, std::ostream& err);

}  // namespace tamsu::triage
