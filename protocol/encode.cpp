// Outbound frames → compact JSON. Field names and order follow contract §3; boost::json::object
// keeps insertion order, so the output is stable and easy to compare in tests. boost::json escapes
// every string correctly (quotes, control characters; UTF-8 passes through unchanged).

#include "protocol/frames.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tamsu::protocol {
namespace {

namespace json = boost::json;

json::string_view sv(std::string_view s) { return {s.data(), s.size()}; }

json::object with_type(std::string_view type, std::size_t fields) {
    json::object obj;
    obj.reserve(fields + 1);
    obj.emplace("type", sv(type));
    return obj;
}

// Decision: case codes go on the wire in display form ("K7M4-QPX2"), whichever form the caller
// holds; the decoders accept both.
json::string wire_case(std::string_view code) { return json::string(sv(display_case_code(code))); }

json::array string_array(const std::vector<std::string>& items) {
    json::array out;
    out.reserve(items.size());
    for (const auto& item : items) out.emplace_back(sv(item));
    return out;
}

std::string to_json(const json::object& obj) { return json::serialize(obj); }

}  // namespace

std::string encode(const welcome& f) {
    auto obj = with_type("welcome", 4);
    obj.emplace("v", 1);
    obj.emplace("case", wire_case(f.case_code));
    if (f.secret) obj.emplace("secret", sv(display_secret(*f.secret)));
    obj.emplace("seq", f.seq);
    return to_json(obj);
}

std::string encode(const ack& f) {
    auto obj = with_type("ack", 2);
    obj.emplace("re", sv(f.re));
    obj.emplace("seq", f.seq);
    return to_json(obj);
}

std::string encode(const student_message& f) {
    auto obj = with_type("message", 4);
    obj.emplace("seq", f.seq);
    obj.emplace("from", sv(to_string(f.from)));
    obj.emplace("text", sv(f.text));
    obj.emplace("at", sv(f.at));
    return to_json(obj);
}

std::string encode(const safety& f) {
    auto obj = with_type("safety", 2);
    json::array hotlines;
    hotlines.reserve(f.hotlines.size());
    for (const auto& h : f.hotlines) {
        hotlines.emplace_back(json::object{{"number", sv(h.number)}, {"name", sv(h.name)}});
    }
    obj.emplace("hotlines", std::move(hotlines));
    obj.emplace("text", sv(f.text));
    return to_json(obj);
}

std::string encode(const status& f) {
    auto obj = with_type("status", 1);
    obj.emplace("state", sv(to_string(f.state)));
    return to_json(obj);
}

std::string encode(const error_frame& f) {
    auto obj = with_type("error", 3);
    // contract §3: "re":<id if any>
    if (!f.re.empty()) obj.emplace("re", sv(f.re));
    obj.emplace("code", sv(wire_code(f.code)));
    obj.emplace("message", sv(f.message));
    return to_json(obj);
}

std::string encode(const ready& f) {
    auto obj = with_type("ready", 1);
    obj.emplace(
        "user",
        json::object{
            {"username", sv(f.username)},
            {"role", sv(f.role)},
            {"display_name", sv(f.display_name)},
            {"school", sv(f.school)},
        }
    );
    return to_json(obj);
}

std::string encode(const queue& f) {
    auto obj = with_type("queue", 1);
    json::array cases;
    cases.reserve(f.cases.size());
    for (const auto& c : f.cases) {
        json::object entry;
        entry.reserve(6);
        entry.emplace("case", wire_case(c.case_code));
        entry.emplace("urgency", sv(to_string(c.level)));
        entry.emplace("state", sv(to_string(c.state)));
        entry.emplace("waiting_s", c.waiting_s);
        if (c.assigned_to) {
            entry.emplace("assigned_to", sv(*c.assigned_to));
        } else {
            entry.emplace("assigned_to", nullptr);  // contract §3: "assigned_to":null
        }
        entry.emplace("categories", string_array(c.categories));
        cases.emplace_back(std::move(entry));
    }
    obj.emplace("cases", std::move(cases));
    return to_json(obj);
}

std::string encode(const claimed& f) {
    auto obj = with_type("claimed", 1);
    obj.emplace("case", wire_case(f.case_code));
    return to_json(obj);
}

std::string encode(const counselor_message& f) {
    auto obj = with_type("message", 8);
    obj.emplace("case", wire_case(f.case_code));
    obj.emplace("seq", f.seq);
    obj.emplace("from", sv(to_string(f.from)));
    obj.emplace("text", sv(f.text));
    obj.emplace("urgency", sv(to_string(f.level)));
    obj.emplace("at", sv(f.at));
    if (!f.author.empty()) obj.emplace("author", sv(f.author));
    obj.emplace("categories", string_array(f.categories));
    if (!f.explain_json.empty()) {
        boost::system::error_code ec;
        auto explain = boost::json::parse(f.explain_json, ec);
        if (!ec && explain.is_object())
            obj.emplace("explain", std::move(explain));
    }
    return to_json(obj);
}

std::string encode(const escalated& f) {
    auto obj = with_type("escalated", 2);
    obj.emplace("case", wire_case(f.case_code));
    obj.emplace("escalation", sv(f.escalation));
    return to_json(obj);
}

std::string encode(const released& f) {
    auto obj = with_type("released", 1);
    obj.emplace("case", wire_case(f.case_code));
    return to_json(obj);
}

std::string encode(const closed& f) {
    auto obj = with_type("closed", 1);
    obj.emplace("case", wire_case(f.case_code));
    return to_json(obj);
}

std::string encode(const duty_state& f) {
    auto obj = with_type("duty", 1);
    obj.emplace("on", f.on);
    return to_json(obj);
}

std::string encode(const note_frame& f) {
    auto obj = with_type("note", 4);
    obj.emplace("case", wire_case(f.case_code));
    obj.emplace("author", sv(f.author));
    obj.emplace("text", sv(f.text));
    obj.emplace("at", sv(f.at));
    return to_json(obj);
}

std::string encode(const level_changed& f) {
    auto obj = with_type("level_changed", 3);
    obj.emplace("case", wire_case(f.case_code));
    obj.emplace("urgency", sv(to_string(f.level)));
    obj.emplace("by", sv(f.by));
    return to_json(obj);
}

}  // namespace tamsu::protocol
