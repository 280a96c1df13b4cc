// tamsu_triage_cli: the `tamsu triage` body as a standalone program, for the evaluation script and
// the benchmark before (and besides) the main binary. Usage: tamsu_triage_cli [--explain] [--lexicon DIR]
#include "server/triage/triage.hpp"

#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    bool explain = false;
    std::filesystem::path dir = TAMSU_DEFAULT_LEXICON_DIR;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--explain") == 0) {
            explain = true;
        } else if (std::strcmp(argv[i], "--lexicon") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            std::cerr << "usage: tamsu_triage_cli [--explain] [--lexicon DIR]\n";
            return 2;
        }
    }
    std::ios::sync_with_stdio(false);
    try {
        const auto eng = tamsu::triage::engine::load_blocking(dir);
        return tamsu::triage::run_cli(std::cin, std::cout, std::cerr, eng, explain);
    } catch (const tamsu::triage::lexicon_error& e) {
        std::cerr << "tamsu triage: lexicon error: " << e.what() << '\n';
        return 1;
    }
}
