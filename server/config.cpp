#include "server/config.hpp"

#include <boost/program_options.hpp>

#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

namespace po = boost::program_options;

namespace tamsu::server {

namespace {

constexpr const char* usage_text =
    "usage: tamsu <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve      run the server\n"
    "  user add   create a user (password on the first line of stdin)\n"
    "  backup     consistent online copy of the database (still encrypted)\n"
    "  triage     triage UTF-8 text, one message per line, one JSON object per line out\n"
    "\n"
    "  tamsu --version | --help | <command> --help\n"
    "Every option can also come from TAMSU_<OPTION> in the environment (e.g. TAMSU_DATA_DIR)\n"
    "and from the file given with --config; the command line wins over the environment,\n"
    "which wins over the file.\n";

void add_data_options(po::options_description& d) {
    d.add_options()("data-dir", po::value<std::string>(), "data directory (default ./data)")(
        "master-key-file",
        po::value<std::string>(),
        "master key file (default DATA_DIR/master.key)"
    )("config", po::value<std::string>(), "config file of `option = value` lines");
}

// TAMSU_DATA_DIR -> data-dir, but only for options the command knows: the environment holds many
// unrelated TAMSU_ variables (TAMSU_JOBS for the build, say) that must not become errors.
std::string env_name_mapper(const po::options_description& d, const std::string& env) {
    static constexpr std::string_view prefix = "TAMSU_";
    if (env.rfind(prefix, 0) != 0)
        return {};
    std::string name = env.substr(prefix.size());
    for (auto& c : name)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "config" || d.find_nothrow(name, false) != nullptr)
        return name;
    return {};
}

// `positional_hint`: the option a bare word most likely meant ("tamsu user add lan" is
// `--username lan`); empty when none fits.
po::variables_map parse_all(
    const po::options_description& d,
    const std::vector<std::string>& args,
    const std::vector<std::string>& environment,
    std::string_view positional_hint = {}
) {
    po::variables_map vm;
    // store() keeps the first value it sees, so storing in order CLI, environment, file gives the
    // contract's precedence.
    const auto parsed = po::command_line_parser(args).options(d).run();
    // Boost keeps bare words aside and store() drops them: without this, `tamsu backup /srv/copy.db`
    // would run with no --to and `tamsu user add lan` would complain about a missing --username.
    for (const auto& opt : parsed.options) {
        if (opt.position_key < 0 || opt.value.empty())
            continue;
        std::string what = "unexpected argument '" + opt.value.front() + "'";
        if (!positional_hint.empty())
            what += "; did you mean " + std::string(positional_hint) + " " + opt.value.front() + "?";
        throw usage_error(what);
    }
    po::store(parsed, vm);

    po::options_description env_desc;
    env_desc.add(d);
    po::parsed_options env_parsed(&env_desc);
    for (const auto& entry : environment) {
        auto eq = entry.find('=');
        if (eq == std::string::npos)
            continue;
        auto name = env_name_mapper(d, entry.substr(0, eq));
        if (name.empty())
            continue;
        po::option opt;
        opt.string_key = name;
        opt.value.push_back(entry.substr(eq + 1));
        env_parsed.options.push_back(std::move(opt));
    }
    po::store(env_parsed, vm);

    if (vm.count("config")) {
        auto path = vm["config"].as<std::string>();
        std::ifstream in(path);
        if (!in)
            throw usage_error("cannot read config file '" + path + "'");
        po::store(po::parse_config_file(in, d, false), vm);
    }
    po::notify(vm);
    return vm;
}

template <class T>
void take(const po::variables_map& vm, const char* name, T& out) {
    if (vm.count(name))
        out = vm[name].as<T>();
}

void take_path(const po::variables_map& vm, const char* name, std::filesystem::path& out) {
    if (vm.count(name))
        out = vm[name].as<std::string>();
}

data_options take_data(const po::variables_map& vm) {
    data_options d;
    take_path(vm, "data-dir", d.data_dir);
    take_path(vm, "master-key-file", d.master_key_file);
    if (d.data_dir.empty())
        throw usage_error("--data-dir must not be empty");
    return d;
}

std::chrono::seconds positive_seconds(const po::variables_map& vm, const char* name, std::chrono::seconds def) {
    if (!vm.count(name))
        return def;
    auto v = vm[name].as<long long>();
    if (v <= 0 || v > 10LL * 365 * 24 * 3600)
        throw usage_error(std::string("--") + name + " must be a positive number of seconds");
    return std::chrono::seconds(v);
}

std::string help_of(const char* synopsis, const po::options_description& d) {
    std::ostringstream out;
    out << synopsis << "\n" << d;
    return out.str();
}

bool wants_help(const std::vector<std::string>& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h")
            return true;
    return false;
}

command parse_serve(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    po::options_description d("tamsu serve options");
    add_data_options(d);
    d.add_options()("listen", po::value<std::string>(), "HOST:PORT to listen on (default 127.0.0.1:8080)")(
        "threads", po::value<unsigned>(), "I/O threads (default: one per core)"
    )("web-root", po::value<std::string>(), "folder with web/ and console/ (the pages)")(
        "lexicon-dir", po::value<std::string>(), "folder with the triage lexicon files"
    )("default-school", po::value<std::string>(), "school of a student who names none (default 'default')")(
        "token-ttl", po::value<long long>(), "counselor login lifetime in seconds (default 43200)"
    )("idle-timeout", po::value<long long>(), "seconds without a pong before a WebSocket is dropped (default 60)")(
        "log-level", po::value<std::string>(), "trace|debug|info|warn|error (default info)"
    )("ack-deadline-critical", po::value<long long>(), "seconds to claim a critical case (default 120)")(
        "ack-deadline-high", po::value<long long>(), "seconds to claim a high case (default 900)"
    )("max-frame-rate", po::value<unsigned>(), "frames per second one WebSocket may send, bursts of twice that (default 20)")(
        "hotline",
      po::value<std::vector<std::string>>()->composing(),
      "a local hotline for the safety frame, NUMBER=Name (repeatable; 111 is always first)");
    if (wants_help(args))
        return show_text{help_of("usage: tamsu serve [--config FILE] [--data-dir DIR] [--listen HOST:PORT]", d)};
    auto vm = parse_all(d, args, env);
    serve_config c;
    c.data = take_data(vm);
    if (vm.count("listen"))
        std::tie(c.listen_host, c.listen_port) = parse_listen(vm["listen"].as<std::string>());
    take(vm, "threads", c.threads);
    if (c.threads > 256)
        throw usage_error("--threads must be at most 256");
    if (c.threads == 0)
        c.threads = std::max(1U, std::thread::hardware_concurrency());
    take_path(vm, "web-root", c.web_root);
    take_path(vm, "lexicon-dir", c.lexicon_dir);
    take(vm, "default-school", c.default_school);
    take(vm, "log-level", c.log_level);
    static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (std::find(levels.begin(), levels.end(), c.log_level) == levels.end())
        throw usage_error("--log-level must be one of trace, debug, info, warn, error");
    c.token_ttl = positive_seconds(vm, "token-ttl", c.token_ttl);
    c.idle_timeout = positive_seconds(vm, "idle-timeout", c.idle_timeout);
    c.ack_deadline_critical = positive_seconds(vm, "ack-deadline-critical", c.ack_deadline_critical);
    c.ack_deadline_high = positive_seconds(vm, "ack-deadline-high", c.ack_deadline_high);
    take(vm, "max-frame-rate", c.max_frame_rate);
    if (c.max_frame_rate == 0 || c.max_frame_rate > 100000)
        throw usage_error("--max-frame-rate must be from 1 to 100000 frames per second");
    if (vm.count("hotline")) {
        for (const auto& h : vm["hotline"].as<std::vector<std::string>>()) {
            auto eq = h.find('=');
            auto number = h.substr(0, eq);
            if (eq == std::string::npos || number.empty() || h.size() == eq + 1 || number.size() > 20 ||
                number.find_first_not_of("0123456789 +-.") != std::string::npos)
                throw usage_error("--hotline must be NUMBER=Name, e.g. '1800 1567=Tong dai tu van'");
            c.hotlines.emplace_back(number, h.substr(eq + 1));
        }
    }
    return c;
}

command parse_user(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    if (args.empty() || args[0] != "add")
        throw usage_error("unknown user command; usage: tamsu user add --data-dir DIR --username NAME --role ROLE");
    std::vector<std::string> rest(args.begin() + 1, args.end());
    po::options_description d("tamsu user add options");
    add_data_options(d);
    d.add_options()("username", po::value<std::string>(), "login name")(
        "role", po::value<std::string>(), "counselor|supervisor|admin"
    )("display-name", po::value<std::string>(), "name shown to colleagues")(
        "school", po::value<std::string>(), "school code (default 'default')"
    );
    if (wants_help(rest))
        return show_text{help_of(
            "usage: tamsu user add --data-dir DIR --username NAME --role counselor|supervisor|admin "
            "[--display-name TEXT] [--school CODE]\nThe password is read from the first line of stdin.",
            d
        )};
    auto vm = parse_all(d, rest, env, "--username");
    user_add_config c;
    c.data = take_data(vm);
    take(vm, "username", c.username);
    take(vm, "role", c.role);
    take(vm, "display-name", c.display_name);
    take(vm, "school", c.school);
    if (c.username.empty())
        throw usage_error("--username is required");
    if (c.username.size() > 64 ||
        c.username.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos)
        throw usage_error("--username must be 1-64 letters, digits, '.', '_' or '-'");
    if (c.role != "counselor" && c.role != "supervisor" && c.role != "admin")
        throw usage_error("--role must be counselor, supervisor or admin");
    if (c.display_name.empty())
        c.display_name = c.username;
    return c;
}

command parse_backup(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    po::options_description d("tamsu backup options");
    add_data_options(d);
    d.add_options()("to", po::value<std::string>(), "file to write the copy to");
    if (wants_help(args))
        return show_text{help_of("usage: tamsu backup --data-dir DIR --to FILE", d)};
    auto vm = parse_all(d, args, env, "--to");
    backup_config c;
    c.data = take_data(vm);
    take_path(vm, "to", c.to);
    if (c.to.empty())
        throw usage_error("--to is required");
    return c;
}

command parse_triage(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    po::options_description d("tamsu triage options");
    d.add_options()("explain", po::bool_switch(), "add the matched terms and the rules that fired")(
        "check", po::bool_switch(), "check the lexicon files (every error as file:line) and the canaries; exit 1 if bad"
    )("lexicon-dir", po::value<std::string>(), "folder with the triage lexicon files"
    )("config", po::value<std::string>(), "config file of `option = value` lines");
    if (wants_help(args))
        return show_text{help_of(
            "usage: tamsu triage [--explain] < messages.txt\n"
            "       tamsu triage --check [--lexicon-dir DIR]\n"
            "Reads UTF-8 text, one message per line; writes one JSON object per line.\n"
            "--check validates the lexicon as `tamsu serve` would and reads no messages.",
            d
        )};
    auto vm = parse_all(d, args, env);
    triage_config c;
    c.explain = vm["explain"].as<bool>();
    c.check = vm["check"].as<bool>();
    if (c.check && c.explain)
        throw usage_error("--check reads no messages; it cannot be combined with --explain");
    take_path(vm, "lexicon-dir", c.lexicon_dir);
    return c;
}

}  // namespace

std::pair<std::string, std::uint16_t> parse_listen(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw usage_error("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto port_text = text.substr(colon + 1);
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
        throw usage_error("--listen port must be a number from 0 to 65535");
    auto port = std::stoul(port_text);
    if (port > 65535)
        throw usage_error("--listen port must be a number from 0 to 65535");
    return {host, static_cast<std::uint16_t>(port)};
}

command parse_command_line(const std::vector<std::string>& args, const std::vector<std::string>& environment) {
    try {
        if (args.empty())
            throw usage_error("no command given; try 'tamsu --help'");
        const auto& cmd = args[0];
        std::vector<std::string> rest(args.begin() + 1, args.end());
        if (cmd == "--version" || cmd == "-V")
            return show_text{std::string("tamsu ") + TAMSU_VERSION + "\n"};
        if (cmd == "--help" || cmd == "-h" || cmd == "help")
            return show_text{usage_text};
        if (cmd == "serve")
            return parse_serve(rest, environment);
        if (cmd == "user")
            return parse_user(rest, environment);
        if (cmd == "backup")
            return parse_backup(rest, environment);
        if (cmd == "triage")
            return parse_triage(rest, environment);
        throw usage_error("unknown command '" + cmd + "'; try 'tamsu --help'");
    } catch (const po::error& e) {
        throw usage_error(e.what());
    }
}

}  // namespace tamsu::server
