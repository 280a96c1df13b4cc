// wal_buffer_vfs: an SQLite VFS that gathers the WAL's frame writes into one buffer per file.
//
// SQLite appends each WAL frame as two pwrite calls (a 24-byte header, then the page), so a group
// commit of a few hundred messages is about two thousand system calls, each dear on a
// paravirtualised VM (measured: 3.9 us per frame page by page, 0.4 us in 1 MB writes;
// docs/performance.md §7). This shim wraps the platform VFS: for files SQLite opens as a WAL it
// keeps contiguous appends in memory and writes them out in large pieces; every other file, and
// every other call, goes straight to the platform VFS.
//
// Nothing becomes visible or durable later than before. The buffer is written out:
//   - before xSync (with synchronous=FULL SQLite syncs the WAL before it publishes the commit in
//     the wal-index, so other connections never see a frame still in the buffer);
//   - right after a commit frame (its header carries the database size), so synchronous=NORMAL,
//     which does not sync at commit, publishes nothing unwritten either;
//   - before any read, truncate, size query or file control on that file, and on close;
//   - when a write does not continue the buffer, or the buffer is full.
// A failed write-out returns SQLite's own I/O error from the call that triggered it, so a COMMIT
// whose frames could not be written fails as it would have without the shim.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tamsu::storage {

// The VFS name to pass to sqlite3_open_v2. Registers it (not as the default) on first call;
// thread-safe.
const char* wal_buffer_vfs_name();

// Buffers written out to a WAL file since start, all files together (tests and measurements).
std::uint64_t wal_buffer_write_outs();

// Largest buffer held per WAL file before it is written out.
inline constexpr std::size_t wal_buffer_bytes = 4u << 20;

}  // namespace tamsu::storage
