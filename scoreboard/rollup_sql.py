"""PostgreSQL functions and triggers that keep ``scoreboard.models`` equal to the outcome
log, enrollments and contacts (installed by migration 0001 of this app).

Every refresh is set-based and recomputes the facts of the given enrollments / contacts
from scratch (take the old facts out of the rollups, compute them again, put them in), so
a correction, an undo, a reassignment or a new quote all take the same path. Refreshes of
one practice are serialized by a transaction-level advisory lock (no lost updates, no
deadlocks on the rollup rows).
"""

from __future__ import annotations

from campaigns.models import State
from contacts.segments import OUTCOME_BUCKET
from scoreboard.selectors import KIND_STAGES

LOCK_CLASS = 7207
_KIND_STAGES = ", ".join(
    f"('{kind.value}', '{stage}')" for kind, stages in KIND_STAGES.items() for stage in stages
)
_DECIDED = ", ".join(
    f"'{s}'"
    for s in (State.SCHEDULED, State.CLOSED_NOT_FIT, State.CLOSED_ELSEWHERE, State.OPTED_OUT)
)
_STALLED_OUTCOMES = ", ".join(f"'{o}'" for o in OUTCOME_BUCKET)
_STAGE_KEY = "practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id"
_STAKE_KEY = "practice_id, last_outcome, assigned_to_id, next_appointment, last_activity"


INSTALL = f"""
CREATE OR REPLACE FUNCTION scoreboard_lock(practices bigint[]) RETURNS void AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, p::int)
    FROM (SELECT DISTINCT unnest(practices) AS p ORDER BY 1) x WHERE p IS NOT NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_refresh_contacts(ids bigint[]) RETURNS void AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM scoreboard_lock(ARRAY(
        SELECT practice_id FROM contacts_contact WHERE id IN (SELECT unnest(ids))
        UNION SELECT practice_id FROM scoreboard_stakefact
        WHERE contact_id IN (SELECT unnest(ids))));
    WITH gone AS (
        DELETE FROM scoreboard_stakefact f WHERE f.contact_id IN (SELECT unnest(ids))
        RETURNING f.*
    ), agg AS (
        SELECT {_STAKE_KEY}, count(*) AS n, count(amount) AS quoted,
               coalesce(sum(amount), 0) AS amount
        FROM gone GROUP BY {_STAKE_KEY}
    )
    -- Subtract through the unique key (NULLS NOT DISTINCT): an index lookup per group, where
    -- an UPDATE ... FROM joining on IS NOT DISTINCT FROM would compare every rollup row.
    INSERT INTO scoreboard_stakerollup ({_STAKE_KEY}, n, quoted, amount)
    SELECT {_STAKE_KEY}, -n, -quoted, -amount FROM agg
    ON CONFLICT ({_STAKE_KEY}) DO UPDATE SET
        n = scoreboard_stakerollup.n + EXCLUDED.n,
        quoted = scoreboard_stakerollup.quoted + EXCLUDED.quoted,
        amount = scoreboard_stakerollup.amount + EXCLUDED.amount;
    DELETE FROM scoreboard_stakerollup WHERE n = 0;
    INSERT INTO scoreboard_stakefact
        (contact_id, practice_id, last_outcome, assigned_to_id, next_appointment,
         last_activity, amount)
    SELECT c.id, c.practice_id, c.last_outcome, c.assigned_to_id, c.next_appointment,
           c.last_activity, c.quoted_amount
    FROM contacts_contact c
    WHERE c.id IN (SELECT unnest(ids)) AND c.merged_into_id IS NULL AND NOT c.do_not_contact
      AND c.last_outcome IN ({_STALLED_OUTCOMES})
      AND NOT EXISTS (SELECT 1 FROM campaigns_enrollment e
                      WHERE e.contact_id = c.id AND e.state IN ({_DECIDED}));
    INSERT INTO scoreboard_stakerollup ({_STAKE_KEY}, n, quoted, amount)
    SELECT {_STAKE_KEY}, count(*), count(amount), coalesce(sum(amount), 0)
    FROM scoreboard_stakefact WHERE contact_id IN (SELECT unnest(ids))
    GROUP BY {_STAKE_KEY}
    ON CONFLICT ({_STAKE_KEY}) DO UPDATE SET
        n = scoreboard_stakerollup.n + EXCLUDED.n,
        quoted = scoreboard_stakerollup.quoted + EXCLUDED.quoted,
        amount = scoreboard_stakerollup.amount + EXCLUDED.amount;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_refresh_enrollments(ids bigint[]) RETURNS void AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM scoreboard_lock(ARRAY(
        SELECT practice_id FROM campaigns_enrollment WHERE id IN (SELECT unnest(ids))
        UNION SELECT practice_id FROM scoreboard_enrollmentfact
        WHERE enrollment_id IN (SELECT unnest(ids))));
    -- Stage facts: out of the rollup, recomputed, back in.
    WITH gone AS (
        DELETE FROM scoreboard_stagefact f WHERE f.enrollment_id IN (SELECT unnest(ids))
        RETURNING f.*
    ), agg AS (
        SELECT {_STAGE_KEY}, count(*) AS n, coalesce(sum(amount), 0) AS amount
        FROM gone GROUP BY {_STAGE_KEY}
    )
    INSERT INTO scoreboard_stagerollup ({_STAGE_KEY}, n, amount)
    SELECT {_STAGE_KEY}, -n, -amount FROM agg
    ON CONFLICT ({_STAGE_KEY}) DO UPDATE SET
        n = scoreboard_stagerollup.n + EXCLUDED.n,
        amount = scoreboard_stagerollup.amount + EXCLUDED.amount;
    DELETE FROM scoreboard_stagerollup WHERE n = 0;
    INSERT INTO scoreboard_stagefact
        (enrollment_id, stage, day, prev_day, practice_id, campaign_id, bucket,
         coordinator_id, variant_id, amount)
    SELECT d.enrollment_id, d.stage, d.day,
           lag(d.day) OVER (PARTITION BY d.enrollment_id, d.stage ORDER BY d.day),
           e.practice_id, e.campaign_id, e.bucket, e.coordinator_id, e.variant_id,
           ct.quoted_amount
    FROM (
        SELECT DISTINCT o.enrollment_id, m.stage, (o.at AT TIME ZONE p.time_zone)::date AS day
        FROM campaigns_outcome o
        JOIN (VALUES {_KIND_STAGES}) AS m(kind, stage) ON m.kind = o.kind
        JOIN campaigns_enrollment e ON e.id = o.enrollment_id
        JOIN reactivate_practice p ON p.id = e.practice_id
        WHERE o.enrollment_id IN (SELECT unnest(ids)) AND o.practice_id = e.practice_id
          AND NOT e.held_out
          AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
    ) d
    JOIN campaigns_enrollment e ON e.id = d.enrollment_id
    JOIN contacts_contact ct ON ct.id = e.contact_id;
    INSERT INTO scoreboard_stagerollup ({_STAGE_KEY}, n, amount)
    SELECT {_STAGE_KEY}, count(*), coalesce(sum(amount), 0)
    FROM scoreboard_stagefact WHERE enrollment_id IN (SELECT unnest(ids))
    GROUP BY {_STAGE_KEY}
    ON CONFLICT ({_STAGE_KEY}) DO UPDATE SET
        n = scoreboard_stagerollup.n + EXCLUDED.n,
        amount = scoreboard_stagerollup.amount + EXCLUDED.amount;
    -- Lost reasons.
    DELETE FROM scoreboard_lostfact WHERE enrollment_id IN (SELECT unnest(ids));
    INSERT INTO scoreboard_lostfact
        (outcome_id, enrollment_id, practice_id, at, reason_category, has_words,
         campaign_id, bucket, coordinator_id)
    SELECT o.id, e.id, e.practice_id, o.at, o.reason_category, o.reason_text <> '',
           e.campaign_id, e.bucket, e.coordinator_id
    FROM campaigns_outcome o JOIN campaigns_enrollment e ON e.id = o.enrollment_id
    WHERE o.enrollment_id IN (SELECT unnest(ids)) AND o.kind = 'went_elsewhere'
      AND o.practice_id = e.practice_id AND NOT e.held_out
      AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id);
    -- Enrollment facts.
    DELETE FROM scoreboard_enrollmentfact WHERE enrollment_id IN (SELECT unnest(ids));
    INSERT INTO scoreboard_enrollmentfact
        (enrollment_id, practice_id, campaign_id, contact_id, bucket, coordinator_id,
         variant_id, held_out, state, start_day, appointment_at, scheduled, showed, result,
         lift_offset)
    SELECT e.id, e.practice_id, e.campaign_id, e.contact_id, e.bucket, e.coordinator_id,
           e.variant_id, e.held_out, e.state, e.start_day, e.appointment_at,
           EXISTS (SELECT 1 FROM campaigns_outcome s
                   WHERE s.enrollment_id = e.id AND s.kind = 'scheduled'
                     AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c
                                     WHERE c.corrects_id = s.id)),
           EXISTS (SELECT 1 FROM campaigns_outcome s
                   WHERE s.enrollment_id = e.id AND s.kind = 'showed'
                     AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c
                                     WHERE c.corrects_id = s.id)),
           (SELECT r.kind FROM campaigns_outcome r
            WHERE r.enrollment_id = e.id AND r.kind IN ('showed', 'no_show')
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = r.id)
            ORDER BY r.at DESC, r.id DESC LIMIT 1),
           least(
               (SELECT min((b.at AT TIME ZONE p.time_zone)::date) FROM campaigns_outcome b
                WHERE b.enrollment_id = e.id AND b.practice_id = e.practice_id
                  AND b.kind IN ('scheduled', 'showed')
                  AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c
                                  WHERE c.corrects_id = b.id)) - e.start_day,
               CASE WHEN ct.last_outcome = 'scheduled' AND ct.last_activity >= e.start_day
                    THEN ct.last_activity - e.start_day END)
    FROM campaigns_enrollment e
    JOIN contacts_contact ct ON ct.id = e.contact_id
    JOIN reactivate_practice p ON p.id = e.practice_id
    WHERE e.id IN (SELECT unnest(ids));
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_rebuild(practice bigint) RETURNS void AS $$
BEGIN
    PERFORM scoreboard_lock(ARRAY[practice]);
    DELETE FROM scoreboard_stagefact WHERE practice_id = practice;
    DELETE FROM scoreboard_stagerollup WHERE practice_id = practice;
    DELETE FROM scoreboard_enrollmentfact WHERE practice_id = practice;
    DELETE FROM scoreboard_lostfact WHERE practice_id = practice;
    DELETE FROM scoreboard_stakefact WHERE practice_id = practice;
    DELETE FROM scoreboard_stakerollup WHERE practice_id = practice;
    PERFORM scoreboard_refresh_enrollments(ARRAY(
        SELECT id FROM campaigns_enrollment WHERE practice_id = practice));
    PERFORM scoreboard_refresh_contacts(ARRAY(
        SELECT id FROM contacts_contact WHERE practice_id = practice));
END;
$$ LANGUAGE plpgsql;

-- Triggers ------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION scoreboard_outcome_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_enrollments(ARRAY(
        SELECT enrollment_id FROM new_rows WHERE enrollment_id IS NOT NULL
        UNION
        SELECT o.enrollment_id FROM new_rows n JOIN campaigns_outcome o ON o.id = n.corrects_id
        WHERE o.enrollment_id IS NOT NULL));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_enrollment_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_enrollments(ARRAY(SELECT id FROM new_rows));
    PERFORM scoreboard_refresh_contacts(ARRAY(
        SELECT DISTINCT contact_id FROM new_rows WHERE state IN ({_DECIDED})));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_enrollment_updated() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_enrollments(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.practice_id, n.campaign_id, n.contact_id, n.bucket, n.coordinator_id,
               n.variant_id, n.held_out, n.state, n.start_day, n.appointment_at)
          IS DISTINCT FROM
              (o.practice_id, o.campaign_id, o.contact_id, o.bucket, o.coordinator_id,
               o.variant_id, o.held_out, o.state, o.start_day, o.appointment_at)));
    PERFORM scoreboard_refresh_contacts(ARRAY(
        SELECT n.contact_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.state, n.contact_id) IS DISTINCT FROM (o.state, o.contact_id)
        UNION
        SELECT o.contact_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.contact_id IS DISTINCT FROM o.contact_id));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_enrollment_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_enrollments(ARRAY(SELECT id FROM old_rows));
    PERFORM scoreboard_refresh_contacts(ARRAY(SELECT DISTINCT contact_id FROM old_rows));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_contact_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_contacts(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_contact_updated() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_contacts(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.practice_id, n.merged_into_id, n.do_not_contact, n.last_outcome,
               n.assigned_to_id, n.next_appointment, n.last_activity, n.quoted_amount)
          IS DISTINCT FROM
              (o.practice_id, o.merged_into_id, o.do_not_contact, o.last_outcome,
               o.assigned_to_id, o.next_appointment, o.last_activity, o.quoted_amount)));
    PERFORM scoreboard_refresh_enrollments(ARRAY(
        SELECT e.id FROM campaigns_enrollment e WHERE e.contact_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.quoted_amount, n.last_outcome, n.last_activity)
              IS DISTINCT FROM (o.quoted_amount, o.last_outcome, o.last_activity))));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_contact_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_contacts(ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_practice_zone_changed() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_rebuild(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER scoreboard_outcome_ins AFTER INSERT ON campaigns_outcome
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_outcome_inserted();
CREATE OR REPLACE TRIGGER scoreboard_enrollment_ins AFTER INSERT ON campaigns_enrollment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_enrollment_inserted();
CREATE OR REPLACE TRIGGER scoreboard_enrollment_upd AFTER UPDATE ON campaigns_enrollment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_enrollment_updated();
CREATE OR REPLACE TRIGGER scoreboard_enrollment_del AFTER DELETE ON campaigns_enrollment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_enrollment_deleted();
CREATE OR REPLACE TRIGGER scoreboard_contact_ins AFTER INSERT ON contacts_contact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_contact_inserted();
CREATE OR REPLACE TRIGGER scoreboard_contact_upd AFTER UPDATE ON contacts_contact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_contact_updated();
CREATE OR REPLACE TRIGGER scoreboard_contact_del AFTER DELETE ON contacts_contact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION scoreboard_contact_deleted();
CREATE OR REPLACE TRIGGER scoreboard_practice_zone AFTER UPDATE ON reactivate_practice
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION scoreboard_practice_zone_changed();
"""  # noqa: S608 (constant fragments only)

UNINSTALL = """
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
"""


def functions_install(schema_editor) -> None:
    """Replace the functions and triggers only (a change of their code, not of the data)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL)


def install(schema_editor) -> None:
    """Install the functions and triggers and fill the rollups of every practice."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(INSTALL)
    schema_editor.execute("SELECT scoreboard_rebuild(id) FROM reactivate_practice")


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNINSTALL)
