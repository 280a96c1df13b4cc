// `tamsu triage [--explain]` (contract §1): one JSON object per input line, streaming.
#include "server/triage/triage.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <istream>
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

// Written by hand rather than through boost::json::object: this runs once per input line and the
// CLI must stream tens of MB/s; the shape is fixed and small. The unit tests parse it with Boost.JSON.
void append_json(std::string& out, const assessment& a, bool explain) {
    out += "{\"level\":";
    put_string(out, to_string(a.lvl));
    out += ",\"score\":";
    out += std::to_string(a.score);
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

struct line_state {
    assessment best;
    bool any = false;

    void fold(assessment a) {
        if (!any) {
            best = std::move(a);
            any = true;
            return;
        }
        // Highest level wins; categories and reasons of the other chunks are kept too.
        if (a.lvl > best.lvl || (a.lvl == best.lvl && a.score > best.score)) std::swap(a, best);
        for (auto& c : a.categories)
            if (std::find(best.categories.begin(), best.categories.end(), c) == best.categories.end())
                best.categories.push_back(std::move(c));
        for (auto& r : a.rules)
            if (std::find(best.rules.begin(), best.rules.end(), r) == best.rules.end()) best.rules.push_back(std::move(r));
        best.third_party = best.third_party || a.third_party;
    }
};

// A cut point that does not split a UTF-8 sequence, preferably at a space.
std::size_t cut_point(const std::string& s, std::size_t limit) {
    const std::size_t floor = limit > 4096 ? limit - 4096 : 0;
    for (std::size_t i = limit; i > floor; --i)
        if (s[i] == ' ' || s[i] == '\t') return i;
    std::size_t i = limit;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i == 0 ? limit : i;
}

}  // namespace

int run_cli(std::istream& in, std::ostream& out, std::ostream& err, const engine& eng, bool explain) {
    std::string cur;
    cur.reserve(chunk_limit + 8192);
    line_state st;
    std::array<char, 64 * 1024> buf{};
    std::string line;  // one answer; reused, as its capacity is
    auto finish_line = [&] {
        if (!cur.empty() && cur.back() == '\r') cur.pop_back();
        st.fold(eng.assess(cur, explain));
        line.clear();
        append_json(line, st.best, explain);
        line.push_back('\n');
        out.write(line.data(), static_cast<std::streamsize>(line.size()));
        cur.clear();
        st = line_state{};
    };
    bool pending = false;  // something read since the last newline
    while (in) {
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
                const auto cut = cut_point(cur, chunk_limit);
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
    out.flush();
    if (!out) {
        err << "tamsu triage: cannot write output\n";
        return 1;
    }
    return 0;
}

}  // namespace tamsu::triage
