#include "storage/wal_buffer_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

namespace tamsu::storage {
namespace {

sqlite3_vfs* platform = nullptr;  // set once by register_vfs(), read-only afterwards
std::atomic<std::uint64_t> write_outs{0};

// SQLite gives every open file szOsFile bytes. A WAL file gets this header, then the platform
// VFS's own file object right behind it.
struct wal_file {
    sqlite3_file base;  // base.pMethods = &wal_methods
    sqlite3_file* real;
    unsigned char* buf;
    std::size_t len;
    sqlite3_int64 start;  // file offset of buf[0]
    bool commit_pending;  // a commit frame's header is buffered: write out after its page
};

constexpr int wal_header_bytes = 32;
constexpr int frame_header_bytes = 24;
// The unix VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff, so a larger
// request would write only the remainder): the buffer goes out in pieces of this size.
constexpr std::size_t write_piece_bytes = 64 * 1024;

wal_file* as_wal(sqlite3_file* f) { return reinterpret_cast<wal_file*>(f); }

int write_out(wal_file* w) {
    if (w->len == 0) return SQLITE_OK;
    write_outs.fetch_add(1, std::memory_order_relaxed);
    int rc = SQLITE_OK;
    for (std::size_t done = 0; done < w->len && rc == SQLITE_OK; done += write_piece_bytes) {
        const auto piece = std::min(write_piece_bytes, w->len - done);
        rc = w->real->pMethods->xWrite(w->real, w->buf + done, static_cast<int>(piece), w->start + static_cast<sqlite3_int64>(done));
    }
    // On failure the bytes are dropped as well: SQLite treats the write as failed and never counts
    // on those frames (the transaction fails or is rolled back).
    w->len = 0;
    w->commit_pending = false;
    return rc;
}

int w_close(sqlite3_file* f) {
    auto* w = as_wal(f);
    const int flushed = write_out(w);
    const int closed = w->real->pMethods->xClose(w->real);
    sqlite3_free(w->buf);
    w->buf = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

int w_read(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xRead(w->real, out, amt, off);
}

bool is_commit_frame_header(const void* data, int amt, sqlite3_int64 off) {
    // Frame header: page number, then the database size in pages for a commit frame, 0 otherwise.
    if (amt != frame_header_bytes || off < wal_header_bytes) return false;
    const auto* p = static_cast<const unsigned char*>(data);
    return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int w_write(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
    auto* w = as_wal(f);
    const auto size = static_cast<std::size_t>(amt);
    if (w->len > 0 && (off != w->start + static_cast<sqlite3_int64>(w->len) || w->len + size > wal_buffer_bytes)) {
        if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    }
    if (!w->buf) w->buf = static_cast<unsigned char*>(sqlite3_malloc64(wal_buffer_bytes));
    if (!w->buf || size > wal_buffer_bytes) return w->real->pMethods->xWrite(w->real, data, amt, off);
    if (w->len == 0) w->start = off;
    std::memcpy(w->buf + w->len, data, size);
    w->len += size;
    if (is_commit_frame_header(data, amt, off)) {
        w->commit_pending = true;
    } else if (w->commit_pending) {
        return write_out(w);  // the commit frame's page: the commit is complete in the file
    }
    return SQLITE_OK;
}

int w_truncate(sqlite3_file* f, sqlite3_int64 size) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xTruncate(w->real, size);
}

int w_sync(sqlite3_file* f, int flags) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xSync(w->real, flags);
}

int w_file_size(sqlite3_file* f, sqlite3_int64* size) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xFileSize(w->real, size);
}

int w_lock(sqlite3_file* f, int level) { return as_wal(f)->real->pMethods->xLock(as_wal(f)->real, level); }
int w_unlock(sqlite3_file* f, int level) { return as_wal(f)->real->pMethods->xUnlock(as_wal(f)->real, level); }
int w_check_reserved(sqlite3_file* f, int* out) {
    return as_wal(f)->real->pMethods->xCheckReservedLock(as_wal(f)->real, out);
}

int w_file_control(sqlite3_file* f, int op, void* arg) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xFileControl(w->real, op, arg);
}

int w_sector_size(sqlite3_file* f) { return as_wal(f)->real->pMethods->xSectorSize(as_wal(f)->real); }
int w_device_characteristics(sqlite3_file* f) {
    return as_wal(f)->real->pMethods->xDeviceCharacteristics(as_wal(f)->real);
}

// A WAL file has no shared memory or memory map of its own (those belong to the database file);
// these only pass the calls on, as the platform VFS expects every method of its version.
int w_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return as_wal(f)->real->pMethods->xShmMap(as_wal(f)->real, region, size, extend, out);
}
int w_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return as_wal(f)->real->pMethods->xShmLock(as_wal(f)->real, offset, n, flags);
}
void w_shm_barrier(sqlite3_file* f) { as_wal(f)->real->pMethods->xShmBarrier(as_wal(f)->real); }
int w_shm_unmap(sqlite3_file* f, int delete_flag) {
    return as_wal(f)->real->pMethods->xShmUnmap(as_wal(f)->real, delete_flag);
}
int w_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
    auto* w = as_wal(f);
    if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
    return w->real->pMethods->xFetch(w->real, off, amt, out);
}
int w_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return as_wal(f)->real->pMethods->xUnfetch(as_wal(f)->real, off, p);
}

const sqlite3_io_methods wal_methods = {
    3,          w_close,      w_read,    w_write,    w_truncate,  w_sync,
    w_file_size, w_lock,      w_unlock,  w_check_reserved, w_file_control, w_sector_size,
    w_device_characteristics, w_shm_map, w_shm_lock, w_shm_barrier, w_shm_unmap, w_fetch,
    w_unfetch,
};

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    // Everything but a WAL is the platform's own file object, at the start of the space SQLite gave.
    if (!(flags & SQLITE_OPEN_WAL)) return platform->xOpen(platform, name, file, flags, out_flags);
    auto* w = as_wal(file);
    std::memset(w, 0, sizeof(*w));
    w->real = reinterpret_cast<sqlite3_file*>(w + 1);
    const int rc = platform->xOpen(platform, name, w->real, flags, out_flags);
    // SQLite calls xClose only when pMethods is set; forward it only if the real file needs one.
    w->base.pMethods = w->real->pMethods ? &wal_methods : nullptr;
    return rc;
}

// The platform VFS's own functions may read fields of the sqlite3_vfs they are handed, so every
// call goes to them with their own object, not ours.
int v_delete(sqlite3_vfs*, const char* name, int sync_dir) { return platform->xDelete(platform, name, sync_dir); }
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
    return platform->xAccess(platform, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return platform->xFullPathname(platform, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return platform->xDlOpen(platform, name); }
void v_dl_error(sqlite3_vfs*, int n, char* out) { platform->xDlError(platform, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return platform->xDlSym(platform, handle, symbol);
}
void v_dl_close(sqlite3_vfs*, void* handle) { platform->xDlClose(platform, handle); }
int v_randomness(sqlite3_vfs*, int n, char* out) { return platform->xRandomness(platform, n, out); }
int v_sleep(sqlite3_vfs*, int micros) { return platform->xSleep(platform, micros); }
int v_current_time(sqlite3_vfs*, double* out) { return platform->xCurrentTime(platform, out); }
int v_get_last_error(sqlite3_vfs*, int n, char* out) { return platform->xGetLastError(platform, n, out); }
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return platform->xCurrentTimeInt64(platform, out); }
int v_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr fn) {
    return platform->xSetSystemCall(platform, name, fn);
}
sqlite3_syscall_ptr v_get_system_call(sqlite3_vfs*, const char* name) {
    return platform->xGetSystemCall(platform, name);
}
const char* v_next_system_call(sqlite3_vfs*, const char* name) { return platform->xNextSystemCall(platform, name); }

sqlite3_vfs vfs{};
std::once_flag registered;
const char* const vfs_name = "tamsu-wal-buffer";

void register_vfs() {
    sqlite3_initialize();
    platform = sqlite3_vfs_find(nullptr);
    vfs.iVersion = std::min(3, platform->iVersion);
    // Room for the WAL header and, behind it, whatever the platform's file object needs.
    vfs.szOsFile = static_cast<int>(sizeof(wal_file)) + platform->szOsFile;
    vfs.mxPathname = platform->mxPathname;
    vfs.zName = vfs_name;
    vfs.pAppData = platform;
    vfs.xOpen = v_open;
    vfs.xDelete = v_delete;
    vfs.xAccess = v_access;
    vfs.xFullPathname = v_full_pathname;
    vfs.xDlOpen = v_dl_open;
    vfs.xDlError = v_dl_error;
    vfs.xDlSym = v_dl_sym;
    vfs.xDlClose = v_dl_close;
    vfs.xRandomness = v_randomness;
    vfs.xSleep = v_sleep;
    vfs.xCurrentTime = v_current_time;
    vfs.xGetLastError = v_get_last_error;
    vfs.xCurrentTimeInt64 = v_current_time_int64;
    vfs.xSetSystemCall = v_set_system_call;
    vfs.xGetSystemCall = v_get_system_call;
    vfs.xNextSystemCall = v_next_system_call;
    sqlite3_vfs_register(&vfs, 0);
}

}  // namespace

std::uint64_t wal_buffer_write_outs() { return write_outs.load(std::memory_order_relaxed); }

const char* wal_buffer_vfs_name() {
    std::call_once(registered, register_vfs);
    return vfs_name;
}

}  // namespace tamsu::storage
