#include "server/student_session.hpp"

#include "protocol/frames.hpp"
#include "protocol/time.hpp"
#include "server/dispatcher/dispatcher.hpp"
#include "server/triage_adapter.hpp"
#include "storage/store.hpp"

#include <spdlog/spdlog.h>

namespace tamsu::server {

namespace {

std::string safety_text(const std::string& lang) {
    if (lang == "en")
        return "You are not alone. If you are in danger now, call 111 (free, 24/7). A counselor will answer you "
               "here as soon as possible.";
    if (lang == "zh")
        return "你并不孤单。如果你现在有危险，请拨打111（免费，24小时）。辅导员会尽快在这里回复你。";
    return "Bạn không một mình. Nếu bạn đang gặp nguy hiểm, hãy gọi ngay 111 (miễn phí, 24/7). Thầy cô tư vấn sẽ "
           "trả lời bạn ở đây sớm nhất có thể.";
}

}  // namespace

std::shared_ptr<const std::string> make_safety_frame(const session_settings& s, const std::string& lang) {
    protocol::safety f;
    for (const auto& h : s.hotlines)
        f.hotlines.push_back({h.number, lang == "en" ? h.name_en : lang == "zh" ? h.name_zh : h.name_vi});
    f.text = safety_text(lang);
    return std::make_shared<const std::string>(protocol::encode(f));
}

void student_session::on_text(std::string text) {
    auto decoded = protocol::decode_student(text);
    if (!decoded) {
        const auto& e = decoded.error();
        error_on_strand(e.code, e.re, e.message);
        return;
    }
    std::visit(
        [&](auto&& f) {
            using T = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<T, protocol::hello>)
                on_hello(std::move(f));
            else if constexpr (std::is_same_v<T, protocol::resume>)
                on_resume(std::move(f.case_code), std::move(f.secret).take(), f.since);
            else
                on_send(std::move(f.id), std::move(f.text).take());
        },
        std::move(*decoded)
    );
}

void student_session::on_hello(protocol::hello h) {
    if (phase_ != phase::unbound) {
        error_on_strand(protocol::errc::invalid_state, "", "this connection already has a case");
        return;
    }
    std::string school = h.school.value_or(ctx_->settings.default_school);
    if (!ctx_->dispatch->school_known(school)) {
        error_on_strand(protocol::errc::unknown_school, "", "unknown school '" + school + "'");
        return;
    }
    lang_ = h.lang;
    phase_ = phase::binding;
    ctx_->store->create_case(school, lang_, ctx_->now(), [self = self(), school](storage::result<storage::new_case> r) mutable {
        self->post_self(self, [r = std::move(r), school = std::move(school)](student_session& s) mutable {
            if (!r) {
                s.phase_ = phase::unbound;
                spdlog::error("event=case_create_failed error={}", r.error().message());
                s.error_on_strand(protocol::errc::unavailable, "", "could not open a case now; please try again");
                return;
            }
            auto& c = *r;
            s.ctx_->stats.cases_created.fetch_add(1, std::memory_order_relaxed);
            spdlog::info("event=case_created case={} school={}", c.code, school);
            s.bind(c.id, c.code, school);
            // contract §3: the secret is shown once, here; the server keeps only its keyed hash.
            s.send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::welcome{
                .case_code = protocol::display_case_code(c.code),
                .secret = protocol::display_secret(c.secret.reveal()),
                .seq = 0,
            })));
        });
    });
}

void student_session::on_resume(std::string case_code, std::string secret, std::uint64_t since) {
    if (phase_ != phase::unbound) {
        error_on_strand(protocol::errc::invalid_state, "", "this connection already has a case");
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (remote_key_.empty())
        remote_key_ = "addr:" + remote_address();
    // contract §3: repeated failures are rate limited, per case code and per address.
    if (!ctx_->resume_failures.allowed("case:" + case_code, now) || !ctx_->resume_address_failures.allowed(remote_key_, now)) {
        error_on_strand(protocol::errc::rate_limited, "", "too many failed attempts; wait a minute and try again");
        return;
    }
    phase_ = phase::binding;
    ctx_->store->verify_resume(
        case_code,
        storage::plaintext(std::move(secret)),
        [self = self(), since, case_code](storage::result<storage::case_summary> r) mutable {
            self->post_self(self, [r = std::move(r), since, case_code = std::move(case_code)](student_session& s) mutable {
                if (!r) {
                    s.phase_ = phase::unbound;
                    if (r.error() == storage::errc::unauthorized) {
                        auto failed_at = std::chrono::steady_clock::now();
                        s.ctx_->resume_failures.charge("case:" + case_code, failed_at);
                        s.ctx_->resume_address_failures.charge(s.remote_key_, failed_at);
                        s.error_on_strand(protocol::errc::unauthorized, "", "unknown case code or wrong secret");
                    } else {
                        spdlog::error("event=resume_failed error={}", r.error().message());
                        s.error_on_strand(protocol::errc::unavailable, "", "could not open your conversation now; try again");
                    }
                    return;
                }
                auto& c = *r;
                s.lang_ = c.lang.empty() ? s.lang_ : c.lang;
                s.replaying_ = true;
                s.bind(c.id, c.code, c.school);
                s.send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::welcome{
                    .case_code = protocol::display_case_code(c.code),
                    .secret = std::nullopt,
                    .seq = c.last_seq,
                })));
                auto state = c.state;
                s.ctx_->store->messages_since(
                    c.id,
                    since,
                    [self = s.self(), state](storage::result<std::vector<storage::stored_message>> m) mutable {
                        self->post_self(self, [m = std::move(m), state](student_session& ss) mutable {
                            std::uint64_t upto = 0;
                            if (!m) {
                                spdlog::error("event=replay_failed case={} error={}", ss.case_code_, m.error().message());
                                ss.error_on_strand(protocol::errc::unavailable, "", "could not load your messages; resume again");
                            } else {
                                for (auto& msg : *m) {
                                    ss.send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::student_message{
                                        .seq = msg.seq,
                                        .from = static_cast<protocol::sender>(msg.from),
                                        .text = msg.text.reveal(),
                                        .at = protocol::rfc3339(msg.at),
                                    })));
                                    upto = std::max(upto, msg.seq);
                                }
                            }
                            ss.finish_replay(upto);
                            ss.send_on_strand(std::make_shared<const std::string>(
                                protocol::encode(protocol::status{static_cast<protocol::case_state>(state)})
                            ));
                        });
                    }
                );
            });
        }
    );
}

void student_session::finish_replay(std::uint64_t upto) {
    sent_upto_ = std::max(sent_upto_, upto);
    replaying_ = false;
    std::sort(held_.begin(), held_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    auto held = std::move(held_);
    held_.clear();
    for (auto& [seq, frame] : held)
        deliver(seq, std::move(frame));
}

void student_session::on_send(std::string id, std::string text) {
    if (phase_ != phase::bound) {
        error_on_strand(protocol::errc::invalid_state, id, "send hello or resume first");
        return;
    }
    if (in_flight_ >= ctx_->settings.max_in_flight) {
        error_on_strand(protocol::errc::rate_limited, id, "too many messages waiting for their ack");
        return;
    }
    // Triage runs before encryption (design.md); only the level and category codes are stored in clear.
    // The window (lexicon doc §1 step 0: the last 10 sends or 15 minutes) keeps the texts for the
    // counselor's explanation; they are shared with it, not copied.
    auto text_copy = std::make_shared<const std::string>(text);
    auto verdict = assess_send(ctx_->triage.get(), window_, id, text_copy, std::chrono::steady_clock::now());
    auto window = window_.texts();

    ++in_flight_;
    ctx_->store->append_message(
        case_id_,
        storage::sender::student,
        id,
        "",
        storage::plaintext(std::move(text)),
        static_cast<storage::urgency>(verdict.level),
        join_categories(verdict.categories),
        ctx_->now(),
        [self = self(), id, verdict, text_copy, window = std::move(window)](storage::result<storage::append_result> r) mutable {
            self->post_self(self, [r = std::move(r), id = std::move(id), verdict = std::move(verdict), text_copy, window = std::move(window)](student_session& s) mutable {
                --s.in_flight_;
                if (!r) {
                    spdlog::error("event=msg_store_failed case={} error={}", s.case_code_, r.error().message());
                    s.error_on_strand(protocol::errc::unavailable, id, "message not stored; send it again");
                    return;
                }
                auto& a = *r;
                // contract §3: the ack follows the commit; a retried id gets the same ack.
                s.send_on_strand(std::make_shared<const std::string>(protocol::encode(protocol::ack{.re = id, .seq = a.seq})));
                if (a.duplicate)
                    return;
                s.ctx_->stats.messages_student.fetch_add(1, std::memory_order_relaxed);
                // Every message at info would be one write to the journal per message under load
                // (docs/performance.md); the ones a counselor must act on stay visible at info.
                spdlog::log(
                    verdict.level >= protocol::urgency::high ? spdlog::level::info : spdlog::level::debug,
                    "event=msg_stored case={} seq={} from=student level={}",
                    s.case_code_,
                    a.seq,
                    protocol::to_string(verdict.level)
                );
                if (verdict.level == protocol::urgency::critical && !s.safety_sent_) {
                    // contract §3: the hotlines reach the student at once, before any counselor answers.
                    s.safety_sent_ = true;
                    s.ctx_->stats.safety_frames.fetch_add(1, std::memory_order_relaxed);
                    s.send_on_strand(make_safety_frame(s.ctx_->settings, s.lang_));
                }
                if (a.reopened)
                    s.send_on_strand(std::make_shared<const std::string>(
                        protocol::encode(protocol::status{protocol::case_state::queued})
                    ));
                s.ctx_->dispatch->student_message(dispatcher::student_msg{
                    .case_id = s.case_id_,
                    .code = s.case_code_,
                    .school = s.school_,
                    .seq = a.seq,
                    .at = a.at,
                    .level = verdict.level,
                    .categories = verdict.categories,
                    .window = std::move(window),
                    .text = std::move(text_copy),
                    .state = static_cast<protocol::case_state>(a.state),
                    .reopened = a.reopened,
                    .lang = s.lang_,
                });
            });
        }
    );
}

void student_session::bind(std::int64_t case_id, std::string code, std::string school) {
    case_id_ = case_id;
    case_code_ = std::move(code);
    school_ = std::move(school);
    phase_ = phase::bound;
    ctx_->dispatch->attach_student(case_id_, self());
}

void student_session::push_message(std::uint64_t seq, std::shared_ptr<const std::string> frame) {
    post_self(self(), [seq, frame = std::move(frame)](student_session& s) mutable { s.deliver(seq, std::move(frame)); });
}

void student_session::deliver(std::uint64_t seq, std::shared_ptr<const std::string> frame) {
    if (replaying_) {
        held_.emplace_back(seq, std::move(frame));
        return;
    }
    if (seq <= sent_upto_)
        return;  // already replayed
    sent_upto_ = seq;
    send_on_strand(std::move(frame));
}

void student_session::on_closed() {
    // Pending storage callbacks keep the session alive a while; the window is not needed by them.
    window_.clear();
    if (phase_ == phase::bound)
        ctx_->dispatch->detach_student(case_id_, this);
}

}  // namespace tamsu::server
