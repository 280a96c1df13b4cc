#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace tamsu::test {

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return -WTERMSIG(status);
    }
    return -1;  // defensive: stopped/continued are not requested from waitpid
}

// argv/envp as the char* arrays execve wants; built before fork.
struct c_strings {
    explicit c_strings(const std::vector<std::string>& v) {
        for (const auto& s : v) {
            ptrs.push_back(const_cast<char*>(s.c_str()));
        }
        ptrs.push_back(nullptr);
    }
    std::vector<char*> ptrs;
};

// In the child: report errno through the pipe and die. Only async-signal-safe calls.
[[noreturn]] void child_fail(int report_fd) {
    int e = errno;
    [[maybe_unused]] auto n = ::write(report_fd, &e, sizeof e);
    ::_exit(127);
}

// Waits for the exec-report pipe: EOF means exec succeeded (the fd was close-on-exec).
void check_exec(pid_t pid, int report_read_fd, const std::string& what) {
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report_read_fd, &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report_read_fd);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        throw std::system_error(child_errno, std::generic_category(), "exec " + what);
    }
}

}  // namespace

std::filesystem::path tamsu_binary() {
    if (const char* p = std::getenv("TAMSU_BINARY"); p != nullptr && *p != '\0') {
        return p;
    }
    return TAMSU_BINARY;
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        if (kv.starts_with("TAMSU_")) {
            continue;
        }
        auto name = kv.substr(0, kv.find('='));
        if (extra.contains(std::string(name))) {
            continue;
        }
        env.emplace_back(kv);
    }
    for (const auto& [k, v] : extra) {
        env.push_back(k + "=" + v);
    }
    return env;
}

pid_t spawn_process(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& env,
    const std::filesystem::path& stdout_file,
    const std::filesystem::path& stderr_file
) {
    c_strings args(argv);
    c_strings envp(env);
    int out_fd = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out_fd < 0) {
        throw_errno("open " + stdout_file.string());
    }
    int err_fd = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (err_fd < 0) {
        ::close(out_fd);
        throw_errno("open " + stderr_file.string());
    }
    std::array<int, 2> report{};
    if (::pipe2(report.data(), O_CLOEXEC) != 0) {
        ::close(out_fd);
        ::close(err_fd);
        throw_errno("pipe2");
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(out_fd);
        ::close(err_fd);
        ::close(report[0]);
        ::close(report[1]);
        throw_errno("fork");
    }
    if (pid == 0) {
        int in_fd = ::open("/dev/null", O_RDONLY);
        if (in_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) {
            child_fail(report[1]);
        }
        // A fresh process group, so a test can never signal the test runner by accident.
        ::setpgid(0, 0);
        ::execve(args.ptrs[0], args.ptrs.data(), envp.ptrs.data());
        child_fail(report[1]);
    }
    ::close(out_fd);
    ::close(err_fd);
    ::close(report[1]);
    check_exec(pid, report[0], argv.at(0));
    return pid;
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return decode_status(status);
        }
        if (r < 0 && errno != EINTR) {
            throw_errno("waitpid");
        }
        if (clock_type::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

process_result run_process(const std::vector<std::string>& argv, const run_options& options) {
    // A child that exits before reading all of stdin must fail that test, not kill the runner.
    static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)sigpipe_ignored;
    c_strings args(argv);
    auto env = child_environment(options.env);
    c_strings envp(env);
    std::string cwd = options.cwd ? options.cwd->string() : std::string();

    std::array<int, 2> in{}, out{}, err{}, report{};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0 ||
        ::pipe2(err.data(), O_CLOEXEC) != 0 || ::pipe2(report.data(), O_CLOEXEC) != 0) {
        throw_errno("pipe2");
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        throw_errno("fork");
    }
    if (pid == 0) {
        if (::dup2(in[0], 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) {
            child_fail(report[1]);
        }
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
            child_fail(report[1]);
        }
        ::setpgid(0, 0);
        ::execve(args.ptrs[0], args.ptrs.data(), envp.ptrs.data());
        child_fail(report[1]);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    ::close(report[1]);
    check_exec(pid, report[0], argv.at(0));

    process_result result;
    std::string_view to_write = options.stdin_text;
    int in_fd = in[1];
    if (to_write.empty()) {
        ::close(in_fd);
        in_fd = -1;
    } else {
        ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    int out_fd = out[0];
    int err_fd = err[0];
    const auto deadline = clock_type::now() + options.timeout;
    // Pump stdin/stdout/stderr together so a chatty child never blocks on a full pipe.
    while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        std::array<pollfd, 3> fds{};
        fds[0] = {out_fd, POLLIN, 0};
        fds[1] = {err_fd, POLLIN, 0};
        fds[2] = {in_fd, POLLOUT, 0};
        int r = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (r < 0 && errno != EINTR) {
            throw_errno("poll");
        }
        std::array<char, 4096> buf{};
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? out_fd : err_fd;
            if (fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                ssize_t n = ::read(fd, buf.data(), buf.size());
                if (n > 0) {
                    (i == 0 ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    ::close(fd);
                    fd = -1;
                }
            }
        }
        if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t n = ::write(in_fd, to_write.data(), to_write.size());
            if (n > 0) {
                to_write.remove_prefix(static_cast<std::size_t>(n));
            }
            if (to_write.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                ::close(in_fd);
                in_fd = -1;
            }
        }
    }
    for (int fd : {in_fd, out_fd, err_fd}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    auto code = wait_for_exit(pid, std::chrono::milliseconds(10'000));
    result.exit_code = code.value_or(-SIGKILL);
    return result;
}

std::string read_file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return {};
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace tamsu::test
