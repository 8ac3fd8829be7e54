-- Reverse of 0005: the set-based steps and the pending-rebuild trigger removed. The
-- migration then runs 0004's text again, which brings back its scoreboard_rebuild and the
-- trigger that rebuilt on a new time zone.

DROP TRIGGER IF EXISTS scoreboard_practice_zone_pending ON reactivate_practice;
DROP FUNCTION IF EXISTS scoreboard_practice_zone_pending(),
    scoreboard_rebuild_stages(bigint, text), scoreboard_rebuild_lost(bigint, text),
    scoreboard_rebuild_enrollments(bigint, text), scoreboard_rebuild_stakes(bigint, text);
