#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--version") {
        std::cout << "tamsu " << TAMSU_VERSION << "\n";
        return 0;
    }
    std::cerr << "tamsu: not built yet\n";
    return 2;
}
