#pragma once
// A fresh directory per test, removed when the test ends. If the test failed and the environment
// has TAMSU_KEEP_TEST_DIRS set (to anything), the directory is kept and its path printed, so the
// server's stdout/stderr logs and the database can be inspected after the fact.
//
// Thread safety: one test thread owns it.

#include <filesystem>
#include <string_view>

namespace tamsu::test {

class temp_dir {
public:
    // Creates $TMPDIR/tamsu-itest-XXXXXX (mode 0700). Throws std::system_error on failure.
    explicit temp_dir(std::string_view prefix = "tamsu-itest");
    ~temp_dir();

    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

    // A child path, created as a directory (with parents) if it does not exist yet.
    std::filesystem::path subdir(std::string_view name) const;

    // A child path, not created.
    std::filesystem::path file(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace tamsu::test
