// tamsu_triage_cli: the `tamsu triage` body as a standalone program, for the evaluation script and
// the benchmark before (and besides) the main binary.
// Usage: tamsu_triage_cli [--explain] [--lexicon DIR] [--window-sep SEP]
//        tamsu_triage_cli --check [--lexicon DIR]
// --window-sep: each input line is one session window whose sends are separated by SEP; the answer is
// engine::assess_window over them (the level of the case after the last send).
// --check: validate the lexicon folder and run the canaries (run_check_blocking); reads no input.
// --features BITS: for tests/triage/train_model.py, each input line's risk-model feature ids (the
// engine's own splitting and hashing, so training and the engine can never disagree on a feature).
#include "server/triage/triage.hpp"

#include "server/triage/detail.hpp"
#include "server/triage/model.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    bool explain = false;
    bool check = false;
    std::string sep;
    unsigned feature_bits = 0;
    std::filesystem::path dir = TAMSU_DEFAULT_LEXICON_DIR;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--explain") == 0) {
            explain = true;
        } else if (std::strcmp(argv[i], "--check") == 0) {
            check = true;
        } else if (std::strcmp(argv[i], "--window-sep") == 0 && i + 1 < argc) {
            sep = argv[++i];
        } else if (std::strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
            feature_bits = static_cast<unsigned>(std::atoi(argv[++i]));
            if (feature_bits < 8 || feature_bits > 24) {
                std::cerr << "tamsu_triage_cli: --features takes 8 to 24 bits\n";
                return 2;
            }
        } else if (std::strcmp(argv[i], "--lexicon") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            std::cerr << "usage: tamsu_triage_cli [--explain] [--lexicon DIR] [--window-sep SEP]\n"
                         "       tamsu_triage_cli --check [--lexicon DIR]\n"
                         "       tamsu_triage_cli --features BITS [--lexicon DIR]\n";
            return 2;
        }
    }
    if (feature_bits != 0) {
        const auto lex = tamsu::triage::detail::load_lexicon_blocking(dir);
        std::vector<std::uint32_t> ids;
        tamsu::triage::detail::tokens toks;
        std::string line, out;
        while (std::getline(std::cin, line)) {
            toks = {};
            tamsu::triage::detail::tokenize_repairing(*lex, line, 0, toks);
            tamsu::triage::detail::risk_features(toks, feature_bits, ids);
            out.clear();
            for (const auto id : ids) {
                if (!out.empty()) out += ' ';
                out += std::to_string(id);
            }
            std::cout << out << '\n';
        }
        return 0;
    }
    if (check && (explain || !sep.empty())) {
        std::cerr << "tamsu_triage_cli: --check reads no messages; it takes only --lexicon\n";
        return 2;
    }
    if (check) return tamsu::triage::run_check_blocking(dir, std::cout, std::cerr);
    std::ios::sync_with_stdio(false);
    try {
        const auto eng = tamsu::triage::engine::load_blocking(dir);
        if (sep.empty()) return tamsu::triage::run_cli(std::cin, std::cout, std::cerr, eng, explain);
        std::string line;
        while (std::getline(std::cin, line)) {
            std::vector<std::string> sends;
            std::size_t b = 0;
            while (true) {
                const auto e = line.find(sep, b);
                sends.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
                if (e == std::string::npos) break;
                b = e + sep.size();
            }
            std::cout << tamsu::triage::to_json(eng.assess_window(sends), explain) << '\n';
        }
        return 0;
    } catch (const tamsu::triage::lexicon_error& e) {
        std::cerr << "tamsu triage: lexicon error: " << e.what() << '\n';
        return 1;
    }
}
