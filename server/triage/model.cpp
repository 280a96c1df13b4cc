#include "server/triage/model.hpp"

#include "server/triage/detail.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

namespace tamsu::triage::detail {

namespace {

// FNV-1a, 64 bits: stable across builds and platforms, so a model trained once keeps its meaning.
struct fnv {
    std::uint64_t h = 14695981039346656037ull;
    fnv& add(std::string_view s) {
        for (const char c : s) {
            h ^= static_cast<unsigned char>(c);
            h *= 1099511628211ull;
        }
        return *this;
    }
};

// splitmix64's finaliser: spreads a combined hash over all 64 bits before the low bits are kept.
std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

[[noreturn]] void bad_line(const std::filesystem::path& file, std::size_t line, const std::string& why) {
    throw lexicon_error(file.filename().string() + ":" + std::to_string(line) + ": " + why);
}

template <class T>
bool parse_number(std::string_view s, T& out) {
    const auto* end = s.data() + s.size();
    const auto r = std::from_chars(s.data(), end, out);
    return r.ec == std::errc{} && r.ptr == end;
}

}  // namespace

std::shared_ptr<const risk_model> load_risk_model_blocking(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return nullptr;
    auto m = std::make_shared<risk_model>();
    bool have_bits = false, have_bias = false, have_threshold = false;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        const auto tab = line.find('\t');
        if (tab == std::string::npos || line.find('\t', tab + 1) != std::string::npos)
            bad_line(file, n, "expected two columns separated by one tab");
        const std::string_view key(line.data(), tab), value(line.data() + tab + 1, line.size() - tab - 1);
        if (key == "bits") {
            if (have_bits || !parse_number(value, m->bits) || m->bits < 8 || m->bits > 24)
                bad_line(file, n, "bits must be given once, 8 to 24");
            m->weights.assign(std::size_t{1} << m->bits, 0.0f);
            have_bits = true;
        } else if (key == "bias") {
            if (!parse_number(value, m->bias) || !std::isfinite(m->bias)) bad_line(file, n, "bias must be a number");
            have_bias = true;
        } else if (key == "threshold") {
            if (!parse_number(value, m->threshold) || !(m->threshold > 0 && m->threshold <= 1))
                bad_line(file, n, "threshold must be in (0, 1]");
            have_threshold = true;
        } else {
            std::uint32_t id = 0;
            float w = 0;
            if (!have_bits) bad_line(file, n, "a weight before the bits line");
            if (!parse_number(key, id) || id >= m->weights.size()) bad_line(file, n, "feature id out of range");
            if (!parse_number(value, w) || !std::isfinite(w)) bad_line(file, n, "weight must be a number");
            m->weights[id] = w;
        }
    }
    if (!have_bits || !have_bias || !have_threshold) bad_line(file, n, "bits, bias and threshold are required");
    m->logit_floor = logit_floor(m->threshold);
    return m;
}

double logit_floor(float threshold) {
    // Below the logit of a probability 2^-20 under the threshold, the probability risk_probability
    // computes (exp's error is ~1e-16, the float it returns is within 2^-25 of it) stays under the
    // threshold. The small relative margin covers the error of log itself.
    const double below = static_cast<double>(threshold) - 0x1p-20;
    if (!(below > 0)) return -std::numeric_limits<double>::infinity();  // never skip
    const double logit = std::log(below / (1.0 - below));
    return logit - 1e-9 * (1.0 + std::abs(logit));
}

std::uint64_t feature_hash(std::string_view token_text, bool han) {
    thread_local std::string accent, stripped;
    const bool ascii =
        std::all_of(token_text.begin(), token_text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!han && !ascii) {
        accent_and_strip(token_text, accent, stripped);
        token_text = stripped;
    }
    return fnv{}.add(token_text).h;
}

namespace {

std::uint32_t word_feature(std::uint64_t h, std::uint64_t mask) { return static_cast<std::uint32_t>(mix(h) & mask); }
// A pair's id comes from its two words' hashes, not from hashing its bytes again.
std::uint32_t pair_feature(std::uint64_t prev, std::uint64_t h, std::uint64_t mask) {
    return static_cast<std::uint32_t>(mix(prev * 0x9E3779B97F4A7C15ull + h + 1) & mask);
}

void sort_unique(std::vector<std::uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Unsorted features of `t` (from the word hashes tokenize() kept per token); the hashes of its first
// and last token.
void hash_tokens(const tokens& t, unsigned bits, std::vector<std::uint32_t>& out, std::uint64_t& first, std::uint64_t& last) {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    const auto& hs = t.feature_hashes;
    // A word per token and a pair per two neighbours, written through a pointer: push_back's capacity
    // check per id cost more than the mixing.
    out.resize(hs.empty() ? 0 : 2 * hs.size() - 1);
    if (hs.empty()) {
        last = 0;
        return;
    }
    auto* o = out.data();
    first = hs[0];
    *o++ = word_feature(hs[0], mask);
    for (std::size_t i = 1; i < hs.size(); ++i) {
        *o++ = word_feature(hs[i], mask);
        *o++ = pair_feature(hs[i - 1], hs[i], mask);
    }
    last = hs.back();
}

// Whether the features may reach the threshold: the bias plus every positive weight, repeats
// included, bounds the logit that risk_probability computes over the same ids once each.
bool may_reach(const risk_model& model, std::span<const std::uint32_t> ids) {
    double z = model.bias;
    for (const auto id : ids) z += std::max(model.weights[id], 0.0f);
    return z >= model.logit_floor;
}

}  // namespace

void risk_features(const tokens& t, unsigned bits, std::vector<std::uint32_t>& out) {
    std::uint64_t first = 0, last = 0;
    hash_tokens(t, bits, out, first, last);
    sort_unique(out);
}

void risk_features(const tokens& t, unsigned bits, send_features& out) {
    hash_tokens(t, bits, out.ids, out.first, out.last);
    out.empty = t.toks.empty();
    sort_unique(out.ids);
}

void window_features(std::span<const send_features* const> sends, unsigned bits, std::vector<std::uint32_t>& out) {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    thread_local std::vector<std::uint32_t> other, pairs;
    out.clear();
    pairs.clear();
    const send_features* before = nullptr;  // the last send with tokens so far
    // Each send's ids are sorted and unique already: a union per send keeps the whole so, for a
    // fraction of a sort (and sends that repeat words add little).
    const auto unite = [&](const std::vector<std::uint32_t>& ids) {
        other.resize(out.size() + ids.size());
        other.resize(static_cast<std::size_t>(std::set_union(out.begin(), out.end(), ids.begin(), ids.end(), other.begin()) - other.begin()));
        out.swap(other);
    };
    for (const auto* s : sends) {
        if (s->empty) continue;
        unite(s->ids);
        if (before != nullptr) pairs.push_back(pair_feature(before->last, s->first, mask));
        before = s;
    }
    sort_unique(pairs);
    unite(pairs);
}

float risk_probability(const risk_model& model, std::span<const std::uint32_t> ids) {
    double z = model.bias;
    for (const auto id : ids) z += model.weights[id];
    return static_cast<float>(1.0 / (1.0 + std::exp(-z)));
}

float risk_probability(const risk_model& model, const tokens& t) {
    thread_local std::vector<std::uint32_t> ids;
    risk_features(t, model.bits, ids);
    return risk_probability(model, ids);
}

namespace {

// Rules that recognised a benign or already-weighed context. The model has not seen these contexts
// spelled out (an act with an ordinary reason, a denial, a lapse, homework, a friend's confidence, a
// resolved past, an abuser who is away today, a thought denied right after it), so where a rule read one,
// the rule's level stands.
constexpr std::array<std::string_view, 10> vetoing_rules = {
    "routine_act", "denial", "denial_minimised", "self_harm_lapse", "frame", "resolved_history", "confided_secret", "past",
    "time_inside_resolution", "denied_after",
};
// Fewer tokens than this are too little evidence: the bias and one or two words would decide.
constexpr std::size_t min_tokens = 4;

}  // namespace

bool risk_model_may_raise(const risk_model* model, std::size_t token_count, const assessment& a) {
    if (model == nullptr || a.lvl == level::critical || token_count < min_tokens) return false;
    for (const auto& r : a.rules)
        if (std::find(vetoing_rules.begin(), vetoing_rules.end(), r) != vetoing_rules.end()) return false;
    return true;
}

bool risk_model_says_critical(const risk_model& model, std::span<const std::uint32_t> features) {
    return risk_probability(model, features) >= model.threshold;
}

void raise_by_risk_model(const risk_model& model, std::span<const std::uint32_t> features, assessment& a) {
    if (!risk_model_says_critical(model, features)) return;
    a.lvl = level::critical;
    a.rules.push_back("risk_model");
}

void apply_risk_model(const risk_model* model, const tokens& t, assessment& a) {
    if (!risk_model_may_raise(model, t.toks.size(), a)) return;
    thread_local std::vector<std::uint32_t> ids;
    std::uint64_t first = 0, last = 0;
    hash_tokens(t, model->bits, ids, first, last);
    // Most texts fall far short: their unsorted ids tell so without the sort (risk_features's order,
    // which the sum needs to be the same to the last bit).
    if (!may_reach(*model, ids)) return;
    sort_unique(ids);
    raise_by_risk_model(*model, ids, a);
}

}  // namespace tamsu::triage::detail
