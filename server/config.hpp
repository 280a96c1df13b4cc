#pragma once
// The one reader of argv, the environment and the config file (style rule 12). Every other class gets a
// small settings struct built from these, never the parser.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tamsu::server {

// Options shared by every subcommand that opens a data directory.
struct data_options {
    // contract §1: the embedded default is ./data, so `tamsu serve` works from a fresh checkout.
    std::filesystem::path data_dir = "data";
    // Empty means data_dir/master.key. A container hands the key in as a secret file instead.
    std::filesystem::path master_key_file;
};

struct serve_config {
    data_options data;
    // contract §1: loopback by default; exposing the server is a deliberate act of school IT.
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    // 0 = one I/O thread per core: sessions never block, so more threads than cores only add switching.
    unsigned threads = 0;
    std::filesystem::path web_root;     // clients/ (web/ and console/ below it)
    std::filesystem::path lexicon_dir;  // triage lexicon files
    std::string default_school = "default";
    // A duty shift is at most about 12 hours; a token that outlives it is a risk on a shared PC.
    std::chrono::seconds token_ttl{12 * 3600};
    std::string log_level = "info";
    // A student's phone on bad mobile data may lose the connection for minutes; the WebSocket
    // ping/idle timeout lets the server free the slot without cutting a slow but live client.
    std::chrono::seconds idle_timeout{60};
    // contract v1.1 §5: deadlines are configurable; kept here so the config grows without a rewrite.
    std::chrono::seconds ack_deadline_critical{120};
    std::chrono::seconds ack_deadline_high{900};
    // Local hotlines a school adds to the safety frame, after 111/113/115: "NUMBER=Name".
    std::vector<std::pair<std::string, std::string>> hotlines;
    // Frames per second one WebSocket may send (a burst of twice as many); past it, rate_limited. A
    // person types far slower; a load test's clients, sending back to back, do not.
    unsigned max_frame_rate = 20;
};

struct user_add_config {
    data_options data;
    std::string username;
    std::string role;
    std::string display_name;
    std::string school = "default";
};

struct backup_config {
    data_options data;
    std::filesystem::path to;
};

struct triage_config {
    std::filesystem::path lexicon_dir;
    bool explain = false;
    bool check = false;  // validate the lexicon and run the canaries instead of triaging stdin
};

struct show_text {  // --help / --version: print and exit 0
    std::string text;
};

using command = std::variant<show_text, serve_config, user_add_config, backup_config, triage_config>;

// Thrown for every bad argument; main prints what() as one line and exits 2 (contract §1).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// argv (without the program name), the environment (as "NAME=value" strings) and, for options given with
// --config FILE, the file. Precedence (contract §1): command line > TAMSU_* environment > config file.
command parse_command_line(const std::vector<std::string>& args, const std::vector<std::string>& environment);

// "HOST:PORT" (IPv6 as [::1]:8080)
std::pair<std::string, std::uint16_t> parse_listen(const std::string& text);

}  // namespace tamsu::server
