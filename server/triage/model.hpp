// The risk model: a logistic regression over the hashed words and word pairs of a message, trained
// by tests/triage/train_model.py on every labelled set in tests/triage and read from model.tsv in the
// lexicon folder. It only ever raises a verdict to critical (rule "risk_model"), never lowers one:
// phrase lists miss the phrasings nobody wrote down, and on sets held out from the lexicon work the
// model caught most of them (docs/triage.md "The risk model").
#pragma once

#include "server/triage/triage.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace tamsu::triage::detail {

struct tokens;

struct risk_model {
    unsigned bits = 0;         // weights.size() == 1 << bits
    float bias = 0;
    float threshold = 1;       // probability at or above which a verdict becomes critical
    std::vector<float> weights;
    // A logit below which no text reaches `threshold` (risk_probability rounding included), so that
    // apply_risk_model can skip sorting the features of a text whose weights cannot add up to it. Set
    // by load_risk_model_blocking; the default never skips.
    double logit_floor = -std::numeric_limits<double>::infinity();
};

// risk_model::logit_floor for a threshold.
double logit_floor(float threshold);

// The model's file in a lexicon folder; without it the lexicon alone decides.
inline constexpr const char* risk_model_file = "model.tsv";

// Reads `file` (lexicon folder / risk_model_file). A missing file gives nullptr (no model: the lexicon alone decides);
// a malformed one throws lexicon_error "model.tsv:LINE: reason".
std::shared_ptr<const risk_model> load_risk_model_blocking(const std::filesystem::path& file);

// The hash a token's word contributes to the features below: FNV-1a of its text, with Vietnamese
// diacritics stripped unless it is a Han character. tokenize() stores it per token (tokens::feature_hashes).
std::uint64_t feature_hash(std::string_view token_text, bool han);

// The feature ids of a text from the matcher's own tokens of it (case folded, Traditional ->
// Simplified, one token per Han character): each token and each pair of neighbouring tokens, with
// Vietnamese diacritics stripped, hashed into 1 << bits buckets. Sorted, without repeats. Read from
// the tokens the rules already have, so the model costs no second pass over the text.
void risk_features(const tokens& t, unsigned bits, std::vector<std::uint32_t>& out);

// One send's features, kept while the send is in a session window: the window's features are its
// sends' ones plus the pairs across each boundary between two sends, so a send is hashed once, not
// again at every later send (window_features gives exactly risk_features of the joined tokens).
struct send_features {
    std::vector<std::uint32_t> ids;  // risk_features of the send alone
    std::uint64_t first = 0, last = 0;  // hashes of its first and last token (when it has tokens)
    bool empty = true;                  // no tokens
};
void risk_features(const tokens& t, unsigned bits, send_features& out);
void window_features(std::span<const send_features* const> sends, unsigned bits, std::vector<std::uint32_t>& out);

// P(critical) for a text's tokens (one send, or a window's sends read together), or for its features.
float risk_probability(const risk_model& model, const tokens& t);
float risk_probability(const risk_model& model, std::span<const std::uint32_t> features);

// Raises `a` to critical when the model says so; records the rule. Verdicts already critical are
// not read. apply_risk_model is the other two together: whether the model may speak (not on a
// critical verdict, a vetoing rule or fewer than four tokens), then what it says over the features
// of `t` (the session window passes the features it keeps instead).
void apply_risk_model(const risk_model* model, const tokens& t, assessment& a);
bool risk_model_may_raise(const risk_model* model, std::size_t token_count, const assessment& a);
void raise_by_risk_model(const risk_model& model, std::span<const std::uint32_t> features, assessment& a);
// Whether the model's probability over `features` reaches its threshold (what raise_by_risk_model acts on).
bool risk_model_says_critical(const risk_model& model, std::span<const std::uint32_t> features);

}  // namespace tamsu::triage::detail
