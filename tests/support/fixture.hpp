#pragma once
// The integration-test fixture: every test gets its own temp dir and its own real server
// (data in <tmp>/data, created by the server itself; stdout/stderr in <tmp>/logs).

#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tamsu::test {

class server_test : public ::testing::Test {
protected:
    // Starts the server; a test that needs other options overrides server_args().
    void SetUp() override;
    void TearDown() override;

    virtual std::vector<std::string> server_args() const { return {}; }

    unsigned short port() const { return server_->port(); }
    server_process& server() { return *server_; }
    std::filesystem::path data_dir() const { return dir_.file("data"); }
    std::filesystem::path log_dir() const { return dir_.file("logs"); }

    // `tamsu user add` a user with this name and role, then logs in; returns the token.
    std::string make_user_token(const std::string& username, const std::string& role = "counselor");

    // A password good enough for any password policy the server might have.
    static std::string password_for(const std::string& username) { return "Tamsu-test-pw-" + username + "-2024!"; }

    temp_dir dir_;
    std::unique_ptr<server_process> server_;
};

}  // namespace tamsu::test
