#include "support/fixture.hpp"

#include "support/cli.hpp"

#include <iostream>
#include <stdexcept>

namespace tamsu::test {

void server_test::SetUp() {
    server_ = std::make_unique<server_process>(server_options{
        .data_dir = data_dir(),
        .log_dir = log_dir(),
        .extra_args = server_args(),
        .env = {},
    });
    server_->start();
}

void server_test::TearDown() {
    // A server still running is killed by server_process's destructor; tests that care about the
    // exit status call terminate() themselves.
    if (HasFailure() && server_ != nullptr && server_->port() != 0) {  // a failed start already showed it
        std::cerr << "---- server stderr (tail) ----\n" << server_->stderr_tail(3000) << "\n";
    }
    server_.reset();
}

std::string server_test::make_user_token(const std::string& username, const std::string& role) {
    auto r = add_user(
        data_dir(),
        {.username = username, .password = password_for(username), .role = role, .display_name = {}, .school = {}}
    );
    if (r.exit_code != 0) {
        throw std::runtime_error("tamsu user add " + username + " failed (" + std::to_string(r.exit_code) + "): " + r.err);
    }
    return login(port(), username, password_for(username));
}

}  // namespace tamsu::test
