#pragma once
// Child processes for the tests: run a command to completion with a deadline (the CLI tests and
// `tamsu user add`), or spawn one and keep its pid (server_process). POSIX fork/exec; everything
// the child needs is prepared before fork, so the child only calls async-signal-safe functions.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tamsu::test {

// The tamsu binary under test: $TAMSU_BINARY if set, else the build's own (CMake passes it in).
std::filesystem::path tamsu_binary();

// Environment for a child: the test's own environment without any TAMSU_* variable (contract §1:
// every option may come from TAMSU_<OPTION>, and a developer's shell must not change a test), plus
// `extra` (which may set TAMSU_* on purpose).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra = {});

struct process_result {
    // Exit status if the process exited; -N if it was killed by signal N.
    int exit_code = -1;
    bool timed_out = false;
    std::string out;
    std::string err;
};

struct run_options {
    std::string stdin_text;                       // written to the child's stdin, which is then closed
    std::map<std::string, std::string> env;       // added to child_environment()
    std::chrono::milliseconds timeout{30'000};    // killed with SIGKILL after this
    std::optional<std::filesystem::path> cwd;
};

// Runs argv[0] with argv (argv[0] is a path, no PATH search) and waits for it. Never throws for
// the child's own failure (see exit_code); throws std::system_error if it cannot be started.
process_result run_process(const std::vector<std::string>& argv, const run_options& options = {});

// Spawns argv with stdin from /dev/null and stdout/stderr appended to the given files. Returns the
// pid. Throws std::system_error on failure to fork or exec (exec failure is reported by the child
// writing errno to a close-on-exec pipe).
pid_t spawn_process(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& env,
    const std::filesystem::path& stdout_file,
    const std::filesystem::path& stderr_file
);

// waitpid with a deadline (polling). Returns the exit code as in process_result (-N for signal
// N), or nullopt if the process is still running at the deadline.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

// Reads a whole file as bytes; empty if it does not exist.
std::string read_file_bytes(const std::filesystem::path& file);

}  // namespace tamsu::test
