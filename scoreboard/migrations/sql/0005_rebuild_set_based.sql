-- Migration 0005: a practice's rollups rebuilt set-based, and a new time zone no longer
-- rebuilds inside the statement that changes it. Frozen: a later change is a new file.
--
-- The rebuild is four steps, one per fact table, each one INSERT ... SELECT over the
-- practice's rows with its rollup (if any) counted from the inserted facts by GROUP BY in
-- the same statement. They compute what scoreboard_refresh_enrollments /
-- scoreboard_refresh_contacts (migration 0004) compute for every enrollment and contact
-- of the practice, in the time zone given (the practice's, read once by the caller so
-- every step uses the same one). Each step takes the practice's rollup lock, as the
-- triggers do, and is meant to run in the caller's transaction with the others.

CREATE OR REPLACE FUNCTION scoreboard_rebuild_stages(practice bigint, zone text)
RETURNS void AS $$
BEGIN
    PERFORM scoreboard_lock(ARRAY[practice]);
    DELETE FROM scoreboard_stagefact WHERE practice_id = practice;
    DELETE FROM scoreboard_stagerollup WHERE practice_id = practice;
    WITH facts AS (
        INSERT INTO scoreboard_stagefact
            (enrollment_id, stage, day, prev_day, practice_id, campaign_id, bucket,
             coordinator_id, variant_id, amount)
        SELECT d.enrollment_id, d.stage, d.day,
               lag(d.day) OVER (PARTITION BY d.enrollment_id, d.stage ORDER BY d.day),
               e.practice_id, e.campaign_id, e.bucket, e.coordinator_id, e.variant_id,
               ct.quoted_amount
        FROM (
            SELECT DISTINCT o.enrollment_id, m.stage, (o.at AT TIME ZONE zone)::date AS day
            FROM campaigns_outcome o
            JOIN (VALUES ('contacted', 'contacted'), ('no_answer', 'contacted'),
                         ('left_voicemail', 'contacted'), ('wrong_number', 'contacted'),
                         ('reached', 'contacted'), ('reached', 'reached'),
                         ('replied', 'replied'), ('qualified', 'qualified'),
                         ('scheduled', 'scheduled'), ('scheduled', 'decisions'),
                         ('showed', 'showed'), ('no_show', 'no_show'),
                         ('not_a_fit', 'not_a_fit'), ('not_a_fit', 'decisions'),
                         ('went_elsewhere', 'went_elsewhere'), ('went_elsewhere', 'decisions'),
                         ('opted_out', 'closed_file'), ('opted_out', 'decisions'),
                         ('do_not_contact', 'closed_file'), ('do_not_contact', 'decisions'),
                         ('not_now', 'not_now'), ('not_now', 'decisions'),
                         ('nurture', 'not_now'), ('nurture', 'decisions'))
                 AS m(kind, stage) ON m.kind = o.kind
            JOIN campaigns_enrollment e ON e.id = o.enrollment_id
            WHERE e.practice_id = practice AND o.practice_id = practice AND NOT e.held_out
              AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
        ) d
        JOIN campaigns_enrollment e ON e.id = d.enrollment_id
        JOIN contacts_contact ct ON ct.id = e.contact_id
        RETURNING practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
                  variant_id, amount
    )
    INSERT INTO scoreboard_stagerollup
        (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
         n, amount)
    SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
           count(*), coalesce(sum(amount), 0)
    FROM facts
    GROUP BY practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
             variant_id;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_rebuild_lost(practice bigint, zone text)
RETURNS void AS $$
BEGIN
    -- zone is unused (lost reasons keep their instant), taken for one signature per step.
    PERFORM scoreboard_lock(ARRAY[practice]);
    DELETE FROM scoreboard_lostfact WHERE practice_id = practice;
    INSERT INTO scoreboard_lostfact
        (outcome_id, enrollment_id, practice_id, at, reason_category, has_words,
         campaign_id, bucket, coordinator_id)
    SELECT o.id, e.id, e.practice_id, o.at, o.reason_category, o.reason_text <> '',
           e.campaign_id, e.bucket, e.coordinator_id
    FROM campaigns_outcome o JOIN campaigns_enrollment e ON e.id = o.enrollment_id
    WHERE e.practice_id = practice AND o.practice_id = practice AND o.kind = 'went_elsewhere'
      AND NOT e.held_out
      AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_rebuild_enrollments(practice bigint, zone text)
RETURNS void AS $$
BEGIN
    PERFORM scoreboard_lock(ARRAY[practice]);
    DELETE FROM scoreboard_enrollmentfact WHERE practice_id = practice;
    -- One pass over the practice's effective appointment entries, grouped by enrollment,
    -- where the refresh asks four subqueries per enrollment.
    WITH booked AS (
        SELECT o.enrollment_id,
               bool_or(o.kind = 'scheduled') AS scheduled,
               bool_or(o.kind = 'showed') AS showed,
               (array_agg(o.kind ORDER BY o.at DESC, o.id DESC)
                    FILTER (WHERE o.kind IN ('showed', 'no_show')))[1] AS result,
               min((o.at AT TIME ZONE zone)::date)
                    FILTER (WHERE o.kind IN ('scheduled', 'showed')
                              AND o.practice_id = practice) AS first_booked
        FROM campaigns_outcome o
        JOIN campaigns_enrollment e ON e.id = o.enrollment_id
        WHERE e.practice_id = practice AND o.kind IN ('scheduled', 'showed', 'no_show')
          AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
        GROUP BY o.enrollment_id
    )
    INSERT INTO scoreboard_enrollmentfact
        (enrollment_id, practice_id, campaign_id, contact_id, bucket, coordinator_id,
         variant_id, held_out, state, start_day, appointment_at, scheduled, showed, result,
         lift_offset)
    SELECT e.id, e.practice_id, e.campaign_id, e.contact_id, e.bucket, e.coordinator_id,
           e.variant_id, e.held_out, e.state, e.start_day, e.appointment_at,
           coalesce(b.scheduled, false), coalesce(b.showed, false), b.result,
           least(b.first_booked - e.start_day,
                 CASE WHEN ct.last_outcome = 'scheduled' AND ct.last_activity >= e.start_day
                      THEN ct.last_activity - e.start_day END)
    FROM campaigns_enrollment e
    JOIN contacts_contact ct ON ct.id = e.contact_id
    LEFT JOIN booked b ON b.enrollment_id = e.id
    WHERE e.practice_id = practice;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scoreboard_rebuild_stakes(practice bigint, zone text)
RETURNS void AS $$
BEGIN
    -- zone is unused (stakes are the contacts' own dates), taken for one signature per step.
    PERFORM scoreboard_lock(ARRAY[practice]);
    DELETE FROM scoreboard_stakefact WHERE practice_id = practice;
    DELETE FROM scoreboard_stakerollup WHERE practice_id = practice;
    WITH facts AS (
        INSERT INTO scoreboard_stakefact
            (contact_id, practice_id, last_outcome, assigned_to_id, next_appointment,
             last_activity, amount)
        SELECT c.id, c.practice_id, c.last_outcome, c.assigned_to_id, c.next_appointment,
               c.last_activity, c.quoted_amount
        FROM contacts_contact c
        WHERE c.practice_id = practice AND c.merged_into_id IS NULL AND NOT c.do_not_contact
          AND c.last_outcome IN ('inquiry', 'canceled', 'no_show', 'treatment_plan',
                                 'not_now')
          AND NOT EXISTS (SELECT 1 FROM campaigns_enrollment e
                          WHERE e.contact_id = c.id
                            AND e.state IN ('scheduled', 'closed_not_fit',
                                            'closed_elsewhere', 'opted_out'))
        RETURNING practice_id, last_outcome, assigned_to_id, next_appointment, last_activity,
                  amount
    )
    INSERT INTO scoreboard_stakerollup
        (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, n,
         quoted, amount)
    SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity,
           count(*), count(amount), coalesce(sum(amount), 0)
    FROM facts
    GROUP BY practice_id, last_outcome, assigned_to_id, next_appointment, last_activity;
END;
$$ LANGUAGE plpgsql;

-- The whole rebuild in one call (what a migration or a bulk load runs); the app runs the
-- steps one by one to report its progress.
CREATE OR REPLACE FUNCTION scoreboard_rebuild(practice bigint) RETURNS void AS $$
DECLARE
    zone text;
BEGIN
    PERFORM scoreboard_lock(ARRAY[practice]);
    SELECT p.time_zone INTO zone FROM reactivate_practice p WHERE p.id = practice;
    IF zone IS NULL THEN RETURN; END IF;
    PERFORM scoreboard_rebuild_stages(practice, zone);
    PERFORM scoreboard_rebuild_lost(practice, zone);
    PERFORM scoreboard_rebuild_enrollments(practice, zone);
    PERFORM scoreboard_rebuild_stakes(practice, zone);
END;
$$ LANGUAGE plpgsql;

-- A new time zone: the statement that changes it only records that the practice's rollups
-- are to be recomputed (scoreboard_rolluprebuild, which the owner's dashboard reads); the
-- rebuild itself runs later, as a task, off the request.
DROP TRIGGER IF EXISTS scoreboard_practice_zone ON reactivate_practice;
DROP FUNCTION IF EXISTS scoreboard_practice_zone_changed();

CREATE OR REPLACE FUNCTION scoreboard_practice_zone_pending() RETURNS trigger AS $$
BEGIN
    INSERT INTO scoreboard_rolluprebuild
        (practice_id, time_zone, requested_at, started_at, step, finished_at)
    VALUES (NEW.id, NEW.time_zone, now(), NULL, 0, NULL)
    ON CONFLICT (practice_id) DO UPDATE SET
        time_zone = EXCLUDED.time_zone, requested_at = EXCLUDED.requested_at,
        started_at = NULL, step = 0, finished_at = NULL;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER scoreboard_practice_zone_pending AFTER UPDATE ON reactivate_practice
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION scoreboard_practice_zone_pending();
