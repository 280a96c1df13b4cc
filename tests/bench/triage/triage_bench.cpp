// tamsu_triage_bench [MB] : streams MB megabytes (default 100) of mixed Vietnamese (with and without
// diacritics), English and Chinese lines through run_cli on one thread and prints MB/s. The lines are
// the dev set's texts, shuffled with a fixed seed, plus plain chat filler so most lines are benign,
// as on a real help-line.
#include "server/triage/triage.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace {

// Counts bytes and drops them: the benchmark measures triage, not the terminal.
class null_buf : public std::streambuf {
public:
    std::size_t bytes = 0;

protected:
    int overflow(int c) override {
        ++bytes;
        return c;
    }
    std::streamsize xsputn(const char*, std::streamsize n) override {
        bytes += static_cast<std::size_t>(n);
        return n;
    }
};

std::vector<std::string> corpus() {
    std::vector<std::string> lines;
    std::ifstream in(TAMSU_TRIAGE_DEV_SET);
    std::string l;
    while (std::getline(in, l)) {
        if (l.empty() || l[0] == '#' || l.starts_with("id\t")) continue;
        const auto p = l.rfind('\t');
        lines.push_back(l.substr(p + 1));
    }
    for (const char* filler : {
             "hôm nay lớp em được nghỉ tiết thể dục, cả lớp ra sân chơi đá cầu",
             "chị ơi cho em hỏi cách đăng ký câu lạc bộ tiếng anh của trường",
             "hom nay e di hoc ve muon vi xe buyt bi hong giua duong",
             "we had pizza for lunch and then a long chemistry lab, pretty chill day",
             "can you tell me how to ask my teacher for an extension on the essay",
             "今天下课以后我和同学去图书馆写作业，然后一起吃饭",
             "mình vừa xem xong tập mới của bộ phim hoạt hình, hay cực luôn",
             "ok thanks, see you tomorrow 👋",
         })
        for (int i = 0; i < 6; ++i) lines.emplace_back(filler);
    return lines;
}

}  // namespace

int main(int argc, char** argv) {
    const double mb = argc > 1 ? std::stod(argv[1]) : 100.0;
    const auto eng = tamsu::triage::engine::load_blocking(TAMSU_DEFAULT_LEXICON_DIR);
    auto lines = corpus();
    std::mt19937 rng(42);
    std::string input;
    const auto target = static_cast<std::size_t>(mb * 1024 * 1024);
    input.reserve(target + 4096);
    std::uniform_int_distribution<std::size_t> pick(0, lines.size() - 1);
    std::size_t n = 0;
    while (input.size() < target) {
        input += lines[pick(rng)];
        input += '\n';
        ++n;
    }
    std::istringstream in(std::move(input));
    null_buf sink;
    std::ostream out(&sink);
    // CPU time of this process as well as wall time: on a shared machine the wall clock also counts
    // other processes' turns, and the target (20 MB/s on one core) is about our core.
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = tamsu::triage::run_cli(in, out, std::cerr, eng, false);
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double s = std::chrono::duration<double>(t1 - t0).count();
    const double in_mb = static_cast<double>(target) / (1024 * 1024);
    std::cout << "lines=" << n << " input_MB=" << in_mb << " wall_s=" << s << " cpu_s=" << cpu
              << " MB/s(wall)=" << in_mb / s << " MB/s(cpu)=" << in_mb / cpu
              << " lines/s(cpu)=" << static_cast<double>(n) / cpu << '\n';
    return rc;
}
