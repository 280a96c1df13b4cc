// Fixtures shared by the storage tests: a fresh temporary data directory per test, and a way to
// wait for a storage callback without sleeping.
#pragma once

#include "storage/db.hpp"
#include "storage/store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <vector>

namespace tamsu::storage::test {

class temp_dir {
public:
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "tamsu-storage-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Starts an async call with a callback and waits for its result.
template <class T, class Start>
result<T> wait_for(Start&& start) {
    std::promise<result<T>> promise;
    auto future = promise.get_future();
    start([&promise](result<T> r) { promise.set_value(std::move(r)); });
    return future.get();
}

inline std::vector<char> read_all_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// True if `needle` occurs anywhere in any regular file under `dir`.
inline bool any_file_contains(const std::filesystem::path& dir, std::string_view needle) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        const auto bytes = read_all_bytes(entry.path());
        if (std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end()) return true;
    }
    return false;
}

// For tests of the raw connection, on a table `t (k INTEGER PRIMARY KEY, v BLOB)`: one transaction
// of rows spread over the table, like messages to many cases, so each commit dirties many pages.
inline void commit_rows(db& conn, int commit_no, int rows, int blob_bytes = 600) {
    transaction tx{conn, transaction::kind::immediate};
    auto st = conn.query("INSERT INTO t (k, v) VALUES (?1, randomblob(?2))");
    for (int i = 0; i < rows; ++i) {
        st->bind(1, static_cast<std::int64_t>(i) * 1000003 % 999983 * 1000 + commit_no).bind(2, blob_bytes);
        st->step();
        st->reset();
    }
    tx.commit();
}

inline sys_time at_ms(std::int64_t ms) { return sys_time{std::chrono::milliseconds{ms}}; }

// Holds the store's writer thread busy — inside the callback of a create_case, which runs on the
// writer thread after its commit — until release() (or destruction), so that the requests submitted
// meanwhile are all queued and run as one batch.
class writer_hold {
public:
    explicit writer_hold(store& s) {
        std::promise<void> entered;
        auto entered_future = entered.get_future();
        auto go = release_.get_future().share();
        s.create_case("default", "vi", at_ms(1), [&entered, go](result<new_case>) {
            entered.set_value();
            go.wait();
        });
        entered_future.wait();
    }
    writer_hold(const writer_hold&) = delete;
    writer_hold& operator=(const writer_hold&) = delete;
    ~writer_hold() { release(); }
    void release() {
        if (released_) return;
        released_ = true;
        release_.set_value();
    }

private:
    std::promise<void> release_;
    bool released_ = false;
};

class store_fixture : public ::testing::Test {
protected:
    settings config() const { return settings{.data_dir = dir_.path() / "data"}; }
    std::shared_ptr<store> open() { return store::open_blocking(config()); }

    new_case make_case(store& s, std::string school = "default") {
        auto r = wait_for<new_case>([&](auto cb) { s.create_case(std::move(school), "vi", at_ms(1'000), cb); });
        if (!r) throw std::runtime_error("create_case failed: " + r.error().message());
        return std::move(*r);
    }

    result<append_result> append(
        store& s,
        case_id id,
        sender from,
        std::string client_id,
        std::string text,
        std::int64_t now_ms = 2'000,
        std::optional<urgency> level = std::nullopt
    ) {
        return wait_for<append_result>([&](auto cb) {
            s.append_message(
                id,
                from,
                std::move(client_id),
                from == sender::counselor ? "counselor1" : "",
                plaintext{std::move(text)},
                level,
                "",
                at_ms(now_ms),
                cb
            );
        });
    }

    std::vector<stored_message> messages(store& s, case_id id, std::uint64_t since = 0) {
        auto r = wait_for<std::vector<stored_message>>([&](auto cb) { s.messages_since(id, since, cb); });
        if (!r) throw std::runtime_error("messages_since failed: " + r.error().message());
        return std::move(*r);
    }

    temp_dir dir_;
};

}  // namespace tamsu::storage::test
