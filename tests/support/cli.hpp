#pragma once
// The tamsu CLI subcommands the tests need, run as real child processes.

#include "support/process.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tamsu::test {

// Runs `tamsu args...` (argv[0] is added). Never throws for the command's own failure.
process_result run_tamsu(const std::vector<std::string>& args, const run_options& options = {});

struct user_spec {
    std::string username;
    std::string password;
    std::string role = "counselor";  // counselor | supervisor | admin
    std::string display_name;        // omitted if empty
    std::string school;              // omitted if empty
};

// `tamsu user add --data-dir DIR --username .. --role .. [--display-name ..] [--school ..]` with
// the password as stdin's first line (contract §1).
process_result add_user(const std::filesystem::path& data_dir, const user_spec& user);

// Runs `sqlite3 -batch DB SQL` (the Debian sqlite3 CLI) and returns its stdout, trimmed. Throws
// std::runtime_error if it fails.
std::string sqlite3_query(const std::filesystem::path& db, std::string_view sql);

// Every regular file under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir, std::string_view needle);

}  // namespace tamsu::test
