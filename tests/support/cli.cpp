#include "support/cli.hpp"

#include <stdexcept>

namespace tamsu::test {

process_result run_tamsu(const std::vector<std::string>& args, const run_options& options) {
    std::vector<std::string> argv{tamsu_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, options);
}

process_result add_user(const std::filesystem::path& data_dir, const user_spec& user) {
    std::vector<std::string> args{
        "user", "add", "--data-dir", data_dir.string(), "--username", user.username, "--role", user.role,
    };
    if (!user.display_name.empty()) {
        args.insert(args.end(), {"--display-name", user.display_name});
    }
    if (!user.school.empty()) {
        args.insert(args.end(), {"--school", user.school});
    }
    run_options options;
    options.stdin_text = user.password + "\n";
    return run_tamsu(args, options);
}

std::string sqlite3_query(const std::filesystem::path& db, std::string_view sql) {
    auto r = run_process({"/usr/bin/sqlite3", "-batch", db.string(), std::string(sql)});
    if (r.exit_code != 0) {
        throw std::runtime_error("sqlite3 " + db.string() + " failed (" + std::to_string(r.exit_code) + "): " + r.err);
    }
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r' || r.out.back() == ' ')) {
        r.out.pop_back();
    }
    return r.out;
}

std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir, std::string_view needle) {
    std::vector<std::filesystem::path> hits;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        auto bytes = read_file_bytes(entry.path());
        if (bytes.find(needle) != std::string::npos) {
            hits.push_back(entry.path());
        }
    }
    return hits;
}

}  // namespace tamsu::test
