// tamsu_store_bench: the writer's cost per student message, without sockets, JSON or triage.
//
// Opens a store in a fresh temporary data dir, creates --cases cases, then sends --rounds rounds of
// one student message per case through store::append_message, the same call the student session
// makes (84-byte text, level normal, no categories, a unique client id). Each round is submitted in
// chunks of --chunk requests and waits for every callback before the next chunk, so the writer's
// batches are about --chunk requests (the server's mean batch under the 1,000-connection load is
// ~340). Prints the writer thread's CPU per message (from /proc/self/task/<tid>/stat, the thread
// named "tamsu-writer"), the checkpointer's, the wall time and the batches.
//
// Under callgrind, count only the writer's batches:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='tamsu::storage::writer::run_batch*'
//       build-bench/tests/bench/tamsu_store_bench --rounds 5
// The count includes the batches that create the cases: take the difference of two runs with
// different --rounds and divide by the difference in messages.

#include "storage/store.hpp"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace storage = tamsu::storage;

namespace {

struct options {
    int cases = 1000;
    int rounds = 20;
    int chunk = 340;
    bool synchronous_full = true;
};

// utime + stime of one thread of this process, in clock ticks, found by its name.
long thread_ticks(const std::string& name) {
    long total = 0;
    DIR* dir = ::opendir("/proc/self/task");
    if (!dir) return 0;
    while (auto* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const std::string base = std::string("/proc/self/task/") + e->d_name;
        std::ifstream comm(base + "/comm");
        std::string c;
        std::getline(comm, c);
        if (c != name) continue;
        std::ifstream stat(base + "/stat");
        std::string line;
        std::getline(stat, line);
        // Fields after the ")" closing comm: state is field 3; utime, stime are 14 and 15.
        std::istringstream rest(line.substr(line.rfind(')') + 2));
        std::string field;
        long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::stol(field);
            if (i == 15) stime = std::stol(field);
        }
        total += utime + stime;
    }
    ::closedir(dir);
    return total;
}

int usage() {
    std::cerr << "usage: tamsu_store_bench [--cases N] [--rounds N] [--chunk N] [--synchronous-normal]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> int {
            if (i + 1 >= argc) std::exit(usage());
            return std::atoi(argv[++i]);
        };
        if (arg == "--cases") {
            opt.cases = value();
        } else if (arg == "--rounds") {
            opt.rounds = value();
        } else if (arg == "--chunk") {
            opt.chunk = value();
        } else if (arg == "--synchronous-normal") {
            opt.synchronous_full = false;
        } else {
            return usage();
        }
    }
    if (opt.cases <= 0 || opt.rounds <= 0 || opt.chunk <= 0) return usage();

    std::string pattern = (std::filesystem::temp_directory_path() / "tamsu-store-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return 1;
    const std::filesystem::path dir = pattern;
    int rc = 0;
    {
        auto st = storage::store::open_blocking(storage::settings{
            .data_dir = dir / "data", .synchronous_full = opt.synchronous_full
        });
        const auto now = std::chrono::system_clock::now();
        // All cases at once: one batch or a few, not a COMMIT (and fsync) each.
        std::vector<storage::case_id> ids(static_cast<std::size_t>(opt.cases), 0);
        {
            std::atomic<int> left{opt.cases};
            std::promise<void> all;
            auto all_done = all.get_future();
            for (int c = 0; c < opt.cases; ++c) {
                st->create_case("default", "vi", now, [&, c](storage::result<storage::new_case> r) {
                    if (r) ids[static_cast<std::size_t>(c)] = r->id;
                    if (left.fetch_sub(1) == 1) all.set_value();
                });
            }
            all_done.wait();
        }
        for (auto id : ids) {
            if (id == 0) {
                std::cerr << "create_case failed\n";
                return 1;
            }
        }
        const std::string text =
            "hom nay em thay hoi met vi bai kiem tra toan, em khong biet nen hoc the nao cho kip";
        const auto before = st->stats();
        const long w0 = thread_ticks("tamsu-writer");
        const long c0 = thread_ticks("tamsu-ckpt");
        const auto t0 = std::chrono::steady_clock::now();
        std::atomic<long> failures{0};
        long sent = 0;
        for (int round = 0; round < opt.rounds; ++round) {
            for (int first = 0; first < opt.cases; first += opt.chunk) {
                const int n = std::min(opt.chunk, opt.cases - first);
                std::atomic<int> left{n};
                std::promise<void> all;
                auto all_done = all.get_future();
                for (int c = first; c < first + n; ++c) {
                    st->append_message(
                        ids[static_cast<std::size_t>(c)],
                        storage::sender::student,
                        "c" + std::to_string(c) + "-" + std::to_string(round),
                        "",
                        storage::plaintext(text),
                        storage::urgency::normal,
                        "",
                        now,
                        [&](storage::result<storage::append_result> r) {
                            if (!r) failures.fetch_add(1);
                            if (left.fetch_sub(1) == 1) all.set_value();
                        }
                    );
                    ++sent;
                }
                all_done.wait();
            }
        }
        const auto t1 = std::chrono::steady_clock::now();
        const long w1 = thread_ticks("tamsu-writer");
        const long c1 = thread_ticks("tamsu-ckpt");
        const auto after = st->stats();
        const double us_per_tick = 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
        const double secs = std::chrono::duration<double>(t1 - t0).count();
        std::printf(
            "messages=%ld failures=%ld wall_s=%.2f msgs_per_s=%.0f writer_us_per_msg=%.1f ckpt_us_per_msg=%.1f "
            "batches=%llu mean_batch=%.0f\n",
            sent,
            failures.load(),
            secs,
            static_cast<double>(sent) / secs,
            static_cast<double>(w1 - w0) * us_per_tick / static_cast<double>(sent),
            static_cast<double>(c1 - c0) * us_per_tick / static_cast<double>(sent),
            static_cast<unsigned long long>(after.batches - before.batches),
            static_cast<double>(after.requests - before.requests) / static_cast<double>(after.batches - before.batches)
        );
        if (failures.load() != 0) rc = 1;
        st->stop_blocking();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return rc;
}
