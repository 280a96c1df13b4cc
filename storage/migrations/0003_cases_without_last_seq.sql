-- cases.last_seq duplicated max(messages.seq) of the case, and keeping it cost an UPDATE of the case
-- row per message: ~9,600 of the writer's ~36,000 instructions per message, plus a dirty `cases`
-- page per batch in the WAL (docs/performance.md §9). The highest seq is one seek on the messages
-- primary key (case_id, seq), so it is read from there instead: on the writer when it first caches
-- a case, on the readers for case_summary.last_seq. Messages are never deleted, so a seq is never
-- handed out twice.
ALTER TABLE cases DROP COLUMN last_seq;
