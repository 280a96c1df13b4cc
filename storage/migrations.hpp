// Schema migrations: storage/migrations/NNNN_*.sql, embedded at build time, applied in order.
// PRAGMA user_version counts how many are applied.
#pragma once

#include <string_view>
#include <vector>

namespace tamsu::storage {
class db;
}

namespace tamsu::storage::detail {

struct migration {
    std::string_view name;
    std::string_view sql;
};

const std::vector<migration>& embedded_migrations();

// Applies every migration newer than user_version, each in its own BEGIN IMMEDIATE transaction
// (so a CLI and a server starting together cannot both apply one). Returns the final user_version.
// Throws db_error on SQLite failure, std::runtime_error if the file is newer than this binary.
int migrate_blocking(db& conn);

}  // namespace tamsu::storage::detail
