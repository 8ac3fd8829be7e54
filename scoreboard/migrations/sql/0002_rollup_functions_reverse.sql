-- Reverse of 0002: the functions and triggers of 0002 removed (as rollup_sql.UNINSTALL
-- at commit 5134a61).

DROP TRIGGER IF EXISTS scoreboard_outcome_ins ON campaigns_outcome;
DROP TRIGGER IF EXISTS scoreboard_enrollment_ins ON campaigns_enrollment;
DROP TRIGGER IF EXISTS scoreboard_enrollment_upd ON campaigns_enrollment;
DROP TRIGGER IF EXISTS scoreboard_enrollment_del ON campaigns_enrollment;
DROP TRIGGER IF EXISTS scoreboard_contact_ins ON contacts_contact;
DROP TRIGGER IF EXISTS scoreboard_contact_upd ON contacts_contact;
DROP TRIGGER IF EXISTS scoreboard_contact_del ON contacts_contact;
DROP TRIGGER IF EXISTS scoreboard_practice_zone ON reactivate_practice;
DROP FUNCTION IF EXISTS scoreboard_outcome_inserted(), scoreboard_enrollment_inserted(),
    scoreboard_enrollment_updated(), scoreboard_enrollment_deleted(),
    scoreboard_contact_inserted(), scoreboard_contact_updated(), scoreboard_contact_deleted(),
    scoreboard_practice_zone_changed(), scoreboard_rebuild(bigint),
    scoreboard_refresh_enrollments(bigint[]), scoreboard_refresh_contacts(bigint[]),
    scoreboard_lock(bigint[]);
