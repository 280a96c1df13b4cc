#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

namespace tamsu::test {

temp_dir::temp_dir(std::string_view prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
    std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = buf.data();
}

temp_dir::~temp_dir() {
    // Only a failed test's files are worth keeping, and only when asked: a green run leaves no
    // trace in /tmp, a red one under TAMSU_KEEP_TEST_DIRS keeps the evidence.
    const auto* info = ::testing::UnitTest::GetInstance();
    const bool failed = info != nullptr && info->current_test_info() != nullptr && ::testing::Test::HasFailure();
    if (failed && std::getenv("TAMSU_KEEP_TEST_DIRS") != nullptr) {
        std::cerr << "[ kept     ] " << path_.string() << "\n";
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // best effort: a destructor must not throw
}

std::filesystem::path temp_dir::subdir(std::string_view name) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p);
    return p;
}

}  // namespace tamsu::test
