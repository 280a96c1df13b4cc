#include "storage/migrations.hpp"

#include "storage/db.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

namespace tamsu::storage::detail {

int migrate_blocking(db& conn) {
    const auto& all = embedded_migrations();
    const auto latest = static_cast<std::int64_t>(all.size());
    for (;;) {
        // IMMEDIATE: take the write lock before reading user_version, so two processes starting at
        // once cannot both decide to apply the same migration.
        transaction tx{conn, transaction::kind::immediate};
        const std::int64_t version = conn.user_version();
        if (version > latest) {
            throw std::runtime_error(
                "database " + conn.path().string() + " has schema version " + std::to_string(version) +
                " but this tamsu knows only up to " + std::to_string(latest) + "; run a newer tamsu"
            );
        }
        if (version == latest) return static_cast<int>(version);
        const auto& m = all[static_cast<std::size_t>(version)];
        const std::string sql{m.sql};
        conn.exec(sql.c_str());
        // PRAGMA takes no bound parameters; the number is ours, not user input.
        conn.exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
        tx.commit();
        spdlog::info("event=db_migrated migration={} user_version={}", m.name, version + 1);
    }
}

}  // namespace tamsu::storage::detail
