#include "support/server_process.hpp"

#include "support/process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tamsu::test {

namespace {

using clock_type = std::chrono::steady_clock;

// Finds a complete line (ending in '\n') starting with `prefix` and returns the rest of it.
std::optional<std::string> find_line(const std::string& text, std::string_view prefix) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) {
            return std::nullopt;  // an unfinished line may still be being written
        }
        std::string_view line(text.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.starts_with(prefix)) {
            return std::string(line.substr(prefix.size()));
        }
        pos = end + 1;
    }
    return std::nullopt;
}

}  // namespace

server_process::server_process(server_options options) : options_(std::move(options)) {
    if (options_.data_dir.empty() || options_.log_dir.empty()) {
        throw std::invalid_argument("server_options: data_dir and log_dir are required");
    }
    std::filesystem::create_directories(options_.log_dir);
}

server_process::~server_process() {
    if (running()) {
        try {
            kill9();
        } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the pid is gone anyway
        }
    }
}

std::filesystem::path server_process::stdout_path() const {
    return options_.log_dir / ("serve-" + std::to_string(starts_) + ".stdout");
}

std::filesystem::path server_process::stderr_path() const {
    return options_.log_dir / ("serve-" + std::to_string(starts_) + ".stderr");
}

std::string server_process::stdout_text() const { return read_file_bytes(stdout_path()); }

std::string server_process::stderr_text() const { return read_file_bytes(stderr_path()); }

std::string server_process::stderr_tail(std::size_t max_bytes) const {
    auto text = stderr_text();
    if (text.size() > max_bytes) {
        text.erase(0, text.size() - max_bytes);
    }
    return text;
}

void server_process::start() {
    if (running()) {
        throw std::logic_error("server_process::start: already running");
    }
    ++starts_;
    port_ = 0;
    std::vector<std::string> argv{
        tamsu_binary().string(),
        "serve",
        "--data-dir",
        options_.data_dir.string(),
        "--listen",
        "127.0.0.1:0",
    };
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    // A developer's knob, e.g. TAMSU_TEST_SERVE_ARGS="--log-level debug": whitespace-separated
    // arguments appended to every start. CI leaves it unset.
    if (const char* more = std::getenv("TAMSU_TEST_SERVE_ARGS"); more != nullptr) {
        std::istringstream words(more);
        for (std::string w; words >> w;) {
            argv.push_back(w);
        }
    }
    pid_ = spawn_process(argv, child_environment(options_.env), stdout_path(), stderr_path());

    static const std::regex listening_re(R"(^127\.0\.0\.1:(\d{1,5})$)");
    const auto deadline = clock_type::now() + options_.start_timeout;
    for (;;) {
        auto out = stdout_text();
        if (auto pw = find_line(out, "initial admin password: ")) {
            admin_password_ = *pw;
        }
        if (auto addr = find_line(out, "listening on ")) {
            std::smatch m;
            if (!std::regex_match(*addr, m, listening_re)) {
                kill9();
                throw std::runtime_error("tamsu serve printed an unexpected listening line: " + *addr);
            }
            port_ = static_cast<unsigned short>(std::stoi(m[1].str()));
            if (port_ == 0) {
                kill9();
                throw std::runtime_error("tamsu serve reported port 0");
            }
            return;
        }
        if (auto code = wait_for_exit(pid_, std::chrono::milliseconds(0))) {
            pid_ = -1;
            throw std::runtime_error(
                "tamsu serve exited with " + std::to_string(*code) + " before listening; stderr:\n" +
                stderr_tail()
            );
        }
        if (clock_type::now() >= deadline) {
            kill9();
            throw std::runtime_error("tamsu serve did not print `listening on` in time; stderr:\n" + stderr_tail());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int server_process::terminate(std::chrono::milliseconds timeout) {
    if (!running()) {
        throw std::logic_error("server_process::terminate: not running");
    }
    ::kill(pid_, SIGTERM);
    if (auto code = wait_for_exit(pid_, timeout)) {
        pid_ = -1;
        return *code;
    }
    kill9();
    return -SIGKILL;
}

void server_process::kill9() {
    if (!running()) {
        return;
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void server_process::signal(int sig) {
    if (running()) {
        ::kill(pid_, sig);
    }
}

int server_process::wait(std::chrono::milliseconds timeout) {
    if (!running()) {
        throw std::logic_error("server_process::wait: not running");
    }
    if (auto code = wait_for_exit(pid_, timeout)) {
        pid_ = -1;
        return *code;
    }
    return -1000;
}

}  // namespace tamsu::test
