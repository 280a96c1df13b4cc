// `tamsu triage [--explain]` (contract §1): one JSON object per input line, streaming.
#include "server/triage/triage.hpp"

#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <istream>
#include <map>
#include <ostream>

namespace tamsu::triage {

namespace {

// JSON string escaping (RFC 8259): quotes, backslash and control characters; UTF-8 passes through.
void put_string(std::string& out, std::string_view s) {
    out.push_back('"');
    const auto plain = [](char c) { return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20; };
    if (std::all_of(s.begin(), s.end(), plain)) {  // nearly always: category codes, levels, rule names
        out.append(s);
        out.push_back('"');
        return;
    }
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xF]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

void put_strings(std::string& out, const std::vector<std::string>& v) {
    out.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out.push_back(',');
        put_string(out, v[i]);
    }
    out.push_back(']');
}

}  // namespace

namespace {

// `{"level":"<level>","score":` (level names need no escaping).
std::string_view json_opening(level lvl) {
    switch (lvl) {
    case level::critical: return R"({"level":"critical","score":)";
    case level::high: return R"({"level":"high","score":)";
    case level::normal: return R"({"level":"normal","score":)";
    case level::low: return R"({"level":"low","score":)";
    }
    return R"({"level":"high","score":)";  // as to_string(level): an unknown value fails upward
}

// Written by hand rather than through boost::json::object: this runs once per input line and the
// CLI must stream tens of MB/s; the shape is fixed and small. The unit tests parse it with Boost.JSON.
void append_json(std::string& out, const assessment& a, bool explain) {
    // One append for the opening, one std::to_chars for the score: put_string and std::to_string cost
    // ~2.6 instructions per byte of input (every line is answered).
    out += json_opening(a.lvl);
    std::array<char, 16> score{};  // an int takes at most 11
    out.append(score.data(), std::to_chars(score.data(), score.data() + score.size(), a.score).ptr);
    out += ",\"categories\":";
    put_strings(out, a.categories);
    if (explain) {
        out += ",\"matches\":[";
        for (std::size_t i = 0; i < a.matches.size(); ++i) {
            const auto& m = a.matches[i];
            if (i) out.push_back(',');
            out += "{\"term\":";
            put_string(out, m.term);
            out += ",\"text\":";
            put_string(out, m.text);
            out += ",\"class\":";
            put_string(out, m.signal_class);
            out += ",\"category\":";
            put_string(out, m.category);
            out += ",\"weight\":";
            out += std::to_string(m.weight);
            out += ",\"language\":";
            put_string(out, m.language);
            if (m.negated) out += ",\"negated\":true";
            out.push_back('}');
        }
        out += "],\"rules\":";
        put_strings(out, a.rules);
        if (a.third_party) out += ",\"third_party\":true";
    }
    out.push_back('}');
}

}  // namespace

std::string to_json(const assessment& a, bool explain) {
    std::string out;
    out.reserve(explain ? 512 : 80);
    append_json(out, a, explain);
    return out;
}

namespace {

// A line longer than this is assessed in chunks that overlap by `chunk_overlap` bytes, so memory stays
// bounded whatever the input, and a phrase cut by a chunk border is still seen whole by one chunk.
// Never truncate: risk is often at the end of long messages.
constexpr std::size_t chunk_limit = 256 * 1024;
constexpr std::size_t chunk_overlap = 512;
constexpr std::size_t chunk_lookback = 4096;

struct line_state {
    assessment best;
    bool any = false;

    void fold(assessment a) {
        if (!any) {
            best = std::move(a);
            any = true;
            return;
        }
        detail::fold_piece(best, std::move(a));
    }
};

}  // namespace

int run_cli(std::istream& in, std::ostream& out, std::ostream& err, const engine& eng, bool explain) {
    std::string cur;
    cur.reserve(chunk_limit + 8192);
    line_state st;
    std::array<char, 64 * 1024> buf{};
    // Answers gathered and handed to `out` in blocks: a write per line cost ~3 instructions per byte.
    // Everything answered is handed over before the next read, as when each line was written at once.
    std::string answers;
    constexpr std::size_t answers_block = 32 * 1024;
    const auto hand_over = [&] {
        out.write(answers.data(), static_cast<std::streamsize>(answers.size()));
        answers.clear();
    };
    auto finish_line = [&] {
        if (!cur.empty() && cur.back() == '\r') cur.pop_back();
        st.fold(eng.assess(cur, explain));
        append_json(answers, st.best, explain);
        answers.push_back('\n');
        if (answers.size() >= answers_block) hand_over();
        cur.clear();
        st = line_state{};
    };
    bool pending = false;  // something read since the last newline
    while (in) {
        hand_over();
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got == 0) break;
        std::size_t b = 0;
        while (b < got) {
            const void* nl = std::memchr(buf.data() + b, '\n', got - b);
            const std::size_t e = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) : got;
            cur.append(buf.data() + b, e - b);
            pending = true;
            while (cur.size() > chunk_limit) {
                // A line holds no '\n', so the shared cut point's white space is ' ' or '\t' here.
                const auto cut = detail::cut_point(cur, chunk_limit, chunk_lookback);
                st.fold(eng.assess(std::string_view(cur).substr(0, cut), explain));
                std::size_t keep = cut > chunk_overlap ? cut - chunk_overlap : 0;
                while (keep < cut && (static_cast<unsigned char>(cur[keep]) & 0xC0) == 0x80) ++keep;
                cur.erase(0, keep);
            }
            if (nl) {
                finish_line();
                pending = false;
                b = e + 1;
            } else {
                b = e;
            }
        }
    }
    if (pending) finish_line();  // a last line without a newline still gets its answer
    hand_over();
    out.flush();
    if (!out) {
        err << "tamsu triage: cannot write output\n";
        return 1;
    }
    return 0;
}

namespace {

// One clear critical per language and script: an explicit intent with a time. If an edit removes
// or breaks a core phrase, one of these stops being critical and --check says so.
struct canary {
    std::string_view name;
    std::string_view text;
};
constexpr std::array<canary, 4> canaries{{
    {"Vietnamese with diacritics", "tối nay em sẽ tự tử"},
    {"Vietnamese without diacritics", "toi nay em se tu tu"},
    {"English", "i am going to kill myself tonight"},
    {"Chinese", "我今晚要自杀"},
}};

// What a pattern's class does alone (docs/triage.md "Classes and weights").
std::string_view level_alone(detail::sig s) {
    using detail::sig;
    if (detail::is_cue(s)) return "modifier cue";
    switch (s) {
    case sig::A: return "critical";
    case sig::I: case sig::SH: case sig::S: case sig::V: case sig::T: case sig::C: case sig::X: case sig::H:
        return "high";
    case sig::M: case sig::D: case sig::N: return "normal";
    case sig::L: return "low";
    default: return "conditional";  // P K J W O: only beside another signal
    }
}

template <class Map>
void put_counts(std::ostream& out, const Map& counts) {
    bool first = true;
    for (const auto& [key, n] : counts) {
        out << (first ? " " : ", ") << key << ' ' << n;
        first = false;
    }
    out << '\n';
}

void put_summary(std::ostream& out, const std::filesystem::path& dir, const detail::lexicon& lex) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> by_language;  // patterns, phrases
    std::map<std::string_view, std::size_t> by_level;
    std::map<std::string, std::size_t> by_category;
    for (const auto& e : lex.entries) {
        ++by_language[e.language].first;
        ++by_level[level_alone(e.cls)];
        ++by_category[e.category == "-" ? "(cues)" : e.category];
    }
    for (std::size_t i = 0; i < lex.entries.size(); ++i) by_language[lex.entries[i].language].second += lex.entry_phrases[i];
    std::size_t readings = 0;
    for (const auto& [token, list] : lex.teencode) readings += list.size();

    out << "lexicon " << dir.string() << ": vi.tsv en.tsv zh.tsv emoji.tsv teencode.tsv t2s.tsv\n";
    out << "patterns: " << lex.entries.size() << " (" << lex.phrase_count << " phrases once expanded)\n";
    for (const auto& [language, n] : by_language)
        out << "  " << language << ": " << n.first << " patterns, " << n.second << " phrases\n";
    out << "by level alone:";
    const char* sep = " ";
    for (std::string_view lvl : {"critical", "high", "normal", "low", "conditional", "modifier cue"}) {
        out << sep << lvl << ' ' << by_level[lvl];
        sep = ", ";
    }
    out << '\n';
    out << "by category:";
    put_counts(out, by_category);
    out << "tables: teencode " << lex.teencode.size() << " tokens (" << readings << " readings), t2s "
        << lex.t2s.size() << " characters, emoji " << by_language["emoji"].first << " patterns\n";
}

}  // namespace

int run_check_blocking(const std::filesystem::path& lexicon_dir, std::ostream& out, std::ostream& err) {
    std::vector<std::string> errors;
    auto lex = detail::check_lexicon_blocking(lexicon_dir, errors);
    if (lex == nullptr) {
        for (const auto& e : errors) err << e << '\n';
        err << "tamsu triage --check: " << errors.size() << (errors.size() == 1 ? " error" : " errors") << " in "
            << lexicon_dir.string() << "; the server would refuse to start with this lexicon\n";
        return 1;
    }
    put_summary(out, lexicon_dir, *lex);
    std::shared_ptr<const detail::risk_model> model;
    try {
        model = detail::load_risk_model_blocking(lexicon_dir / detail::risk_model_file);
    } catch (const lexicon_error& e) {
        err << e.what() << '\n' << "tamsu triage --check: the server would refuse to start with this model\n";
        return 1;
    }
    out << "risk model: " << (model ? "model.tsv, threshold " + std::to_string(model->threshold) : std::string("none (the lexicon alone decides)")) << '\n';
    const engine eng(std::move(lex), std::move(model));
    std::size_t failed = 0;
    for (const auto& c : canaries) {
        const auto a = eng.assess(c.text, false);
        if (a.lvl == level::critical) continue;
        ++failed;
        err << "canary (" << c.name << ") is " << to_string(a.lvl) << ", not critical: \"" << c.text
            << "\"; a core phrase is missing or broken\n";
    }
    out << "canaries: " << canaries.size() - failed << " of " << canaries.size() << " critical\n";
    if (failed > 0) return 1;
    out << "OK\n";
    return 0;
}

}  // namespace tamsu::triage
