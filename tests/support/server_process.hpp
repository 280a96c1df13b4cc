#pragma once
// The real `tamsu serve` as a child process (style.md rule 14: integration tests start the real
// binary on 127.0.0.1:0 with a real SQLite file).
//
// start() spawns `tamsu serve --data-dir DIR --listen 127.0.0.1:0 [extra args]`, with stdout and
// stderr going to files in the log dir (one pair per start: serve-1.stdout, serve-1.stderr, ...),
// and waits until stdout has the line `listening on 127.0.0.1:PORT` (contract §1). The first
// start of a data dir also prints `initial admin password: <password>`, kept by admin_password().
// terminate() sends SIGTERM and waits; kill9() simulates a crash; start() again restarts on the
// same data dir. $TAMSU_TEST_SERVE_ARGS (whitespace-separated) is appended to every start, for
// debugging (e.g. "--log-level debug"). The destructor SIGKILLs a server still running, so a failed test leaks nothing.
//
// Thread safety: one test thread owns it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tamsu::test {

struct server_options {
    std::filesystem::path data_dir;                    // required
    std::filesystem::path log_dir;                     // where serve-N.stdout/.stderr go; required
    std::vector<std::string> extra_args;               // appended after --data-dir/--listen
    std::map<std::string, std::string> env;            // added to child_environment()
    // Until `listening on`: a deadline, not a wait. Under ASan the triage lexicon (258,000 expanded phrases)
    // takes 10-15 s to load on a 2-core machine, and ctest -j2 starts two servers at once.
    std::chrono::milliseconds start_timeout{90'000};
};

class server_process {
public:
    explicit server_process(server_options options);
    ~server_process();

    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    // Spawns the server and waits for `listening on`. Throws std::runtime_error with the server's
    // stderr tail if it exits or does not listen before the deadline.
    void start();

    // SIGTERM, then waits up to `timeout`. Returns the exit code (-N: killed by signal N). If the
    // server is still running at the deadline it is SIGKILLed and the result is -9.
    int terminate(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

    // SIGKILL and reap: a crash, with nothing flushed.
    void kill9();

    // Sends a signal without waiting (e.g. SIGINT).
    void signal(int sig);

    // Waits for the process to exit by itself; nullopt semantics as wait_for_exit (-1000 if it
    // is still running at the deadline).
    int wait(std::chrono::milliseconds timeout);

    bool running() const noexcept { return pid_ > 0; }
    pid_t pid() const noexcept { return pid_; }
    unsigned short port() const noexcept { return port_; }

    // The one-time admin password from the first start; empty if none was printed (yet).
    const std::string& admin_password() const noexcept { return admin_password_; }

    const std::filesystem::path& data_dir() const noexcept { return options_.data_dir; }
    const std::filesystem::path& log_dir() const noexcept { return options_.log_dir; }
    std::filesystem::path stdout_path() const;  // of the current (last) start
    std::filesystem::path stderr_path() const;
    std::string stdout_text() const;             // of the current (last) start
    std::string stderr_text() const;

    // The last `max_bytes` of the current start's stderr, for failure messages.
    std::string stderr_tail(std::size_t max_bytes = 4000) const;

private:
    server_options options_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    int starts_ = 0;
    std::string admin_password_;
};

}  // namespace tamsu::test
