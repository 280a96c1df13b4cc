#pragma once
// Every bound a client controls, in one place (style.md rule 2). The server sizes Beast's
// read_message_max from max_frame_bytes; the decoder enforces the rest.

#include <cstddef>
#include <cstdint>

namespace tamsu::protocol {

// A WebSocket text frame: 64 KiB holds the longest allowed message (4000 code points of up to
// 4 bytes, escaped) with room to spare, and bounds what one client can make us parse.
inline constexpr std::size_t max_frame_bytes = 64 * 1024;

// A student's message: long enough for a long, upset message, short enough that a counselor
// reads it on one screen and that storage and triage cost stays bounded.
inline constexpr std::size_t max_text_code_points = 4000;

// An escalation reason or level-change reason: a short justification, not a conversation.
inline constexpr std::size_t max_reason_code_points = 1000;

// Client ids (the "id" of send/reply/note): 1..64 characters of [A-Za-z0-9._:-]. Enough for a
// UUID or a timestamp plus a counter; they are stored per case for idempotent retries.
inline constexpr std::size_t max_client_id_bytes = 64;

// Login tokens from /api/v1/login are far shorter; this only stops a client from making us hash
// or compare a huge string.
inline constexpr std::size_t max_token_bytes = 512;

// Usernames named in frames (transfer.to). Longer than any name `tamsu user add` should accept.
inline constexpr std::size_t max_username_bytes = 64;

// Sequence numbers travel as JSON numbers; JavaScript clients read them as doubles, which are
// exact only up to 2^53.
inline constexpr std::uint64_t max_seq = (1ull << 53);

}  // namespace tamsu::protocol
