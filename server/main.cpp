// tamsu: parse the command line, run the subcommand. Bad arguments: one line on stderr, exit 2
// (contract §1); a failure at run time (unreadable key, port taken): one line, exit 1.

#include "server/config.hpp"
#include "server/log.hpp"
#include "server/serve.hpp"
#include "server/triage_cli.hpp"
#include "storage/store.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

extern char** environ;

#ifdef TAMSU_WITH_JEMALLOC
// jemalloc reads its options from this symbol at start. Its background thread hands freed pages back
// to the system over time (the lexicon loader's ~55 MB right after start, a burst's buffers after it);
// without it jemalloc returns them only while the program keeps allocating.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "background_thread:true";
}
#endif

namespace {

using namespace tamsu::server;

int run_user_add(const user_add_config& c) {
    std::string password;
    if (!std::getline(std::cin, password) && password.empty())
        throw usage_error("no password on stdin; pipe it in: echo 'PASSWORD' | tamsu user add ...");
    if (!password.empty() && password.back() == '\r')
        password.pop_back();
    // A counselor account opens children's conversations: refuse passwords a guess would find.
    if (password.size() < 10)
        throw usage_error("the password must have at least 10 characters");
    tamsu::storage::settings s;
    s.data_dir = c.data.data_dir;
    s.master_key_file = c.data.master_key_file;
    auto user = tamsu::storage::add_user_offline_blocking(
        s, c.username, c.role, c.display_name, c.school, tamsu::storage::plaintext(std::move(password))
    );
    std::cout << "user " << user.username << " created (role " << user.role << ", school " << user.school << ")\n";
    return 0;
}

int run_backup(const backup_config& c) {
    tamsu::storage::settings s;
    s.data_dir = c.data.data_dir;
    s.master_key_file = c.data.master_key_file;
    tamsu::storage::backup_offline_blocking(s, c.to);
    std::cout << "backup written to " << c.to.string() << " (still encrypted; keep the master key apart from it)\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Everything tamsu writes (database, WAL, key, backups) is for its own user only.
    ::umask(077);
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        env.emplace_back(*e);
    command cmd;
    try {
        cmd = parse_command_line(args, env);
    } catch (const usage_error& e) {
        std::cerr << "tamsu: " << e.what() << "\n";
        return 2;
    }
    try {
        const auto* serve = std::get_if<serve_config>(&cmd);
        setup_logging(serve ? serve->log_level : "info");
        return std::visit(
            [](auto& c) -> int {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, show_text>) {
                    std::cout << c.text;
                    return 0;
                } else if constexpr (std::is_same_v<T, serve_config>) {
                    return run_serve(c);
                } else if constexpr (std::is_same_v<T, user_add_config>) {
                    return run_user_add(c);
                } else if constexpr (std::is_same_v<T, backup_config>) {
                    return run_backup(c);
                } else {
                    return run_triage_command(c);
                }
            },
            cmd
        );
    } catch (const usage_error& e) {
        std::cerr << "tamsu: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "tamsu: error: " << e.what() << "\n";
        return 1;
    }
}
