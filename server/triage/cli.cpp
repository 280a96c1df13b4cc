// `tamsu triage [--explain]` (contract §1): one JSON object per input line, streaming.
#include "server/triage/triage.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <istream>
#include <ostream>

namespace tamsu::triage {

std::string to_json(const assessment& a, bool explain) {
    boost::json::object o;
    o["level"] = to_string(a.lvl);
    o["score"] = a.score;
    boost::json::array cats;
    for (const auto& c : a.categories) cats.emplace_back(c);
    o["categories"] = std::move(cats);
    if (explain) {
        boost::json::array ms;
        for (const auto& m : a.matches) {
            boost::json::object mo;
            mo["term"] = m.term;
            mo["text"] = m.text;
            mo["class"] = m.signal_class;
            mo["category"] = m.category;
            mo["weight"] = m.weight;
            mo["language"] = m.language;
            if (m.negated) mo["negated"] = true;
            ms.emplace_back(std::move(mo));
        }
        o["matches"] = std::move(ms);
        boost::json::array rs;
        for (const auto& r : a.rules) rs.emplace_back(r);
        o["rules"] = std::move(rs);
        if (a.third_party) o["third_party"] = true;
    }
    return boost::json::serialize(o);
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
    auto finish_line = [&] {
        if (!cur.empty() && cur.back() == '\r') cur.pop_back();
        st.fold(eng.assess(cur));
        out << to_json(st.best, explain) << '\n';
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
                st.fold(eng.assess(std::string_view(cur).substr(0, cut)));
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
