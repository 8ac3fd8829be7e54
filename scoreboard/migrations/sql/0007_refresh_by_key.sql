-- Migration 0007: the statement triggers' refreshes find their rows through the keys they
-- are given, whatever statistics the planner has. Frozen: a later change is a new file.
-- Backwards, 0004's refreshes and triggers and 0005's time-zone trigger come back.
--
-- Same facts as 0004's refreshes (and the rebuild of 0005/0006), computed otherwise:
-- - the ids are read once into a sorted, distinct array and every table is reached by
--   "key = ANY(keys)" (one index scan over the array), where "IN (SELECT unnest(ids))"
--   was planned as a nested loop re-running unnest for every row of the other side, and
--   scanned contacts by "merged_into_id IS NULL" (every live contact of the database);
-- - a condition that is not the lookup key is written so no index can serve it
--   ("x || ''", "x + 0"): without column statistics (a new or bulk-loaded table, this
--   server's autovacuum off) "practice_id = e.practice_id" or "kind = 'scheduled'" looked
--   selective, and each enrollment's entries were found by scanning the practice's entries
--   (or every "scheduled" entry) once per enrollment: quadratic in the rows of a statement;
-- - an enrollment's appointment facts are one aggregate over its own effective entries
--   (as the rebuild computes them), where 0004 asked four correlated subqueries, which the
--   planner could turn into hashed subplans over every "scheduled" entry of the log;
-- - the triggers look up corrected entries and a contact's enrollments by key too
--   (0004 joined the transition table to the whole outcome log / enrollment table);
-- - they run with enable_seqscan off: every table they read has an index on the key they
--   look it up by, and with a sorted array of keys that index is always right, where the
--   planner, believing a table small (no statistics yet), scanned all of it testing each
--   row against every key (a generic plan's array parameter is searched, not hashed).

CREATE OR REPLACE FUNCTION scoreboard_keys(ids bigint[]) RETURNS bigint[] AS $$
    SELECT ARRAY(SELECT DISTINCT k FROM unnest(ids) AS k WHERE k IS NOT NULL ORDER BY 1);
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION scoreboard_refresh_contacts(ids bigint[]) RETURNS void AS $$
DECLARE
    keys bigint[] := scoreboard_keys(ids);
BEGIN
    IF cardinality(keys) = 0 THEN RETURN; END IF;
    PERFORM scoreboard_lock(ARRAY(
        SELECT practice_id FROM contacts_contact WHERE id = ANY(keys)
        UNION SELECT practice_id FROM scoreboard_stakefact WHERE contact_id = ANY(keys)));
    WITH gone AS (
        DELETE FROM scoreboard_stakefact f WHERE f.contact_id = ANY(keys)
        RETURNING f.*
    ), agg AS (
        SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity,
               count(*) AS n, count(amount) AS quoted, coalesce(sum(amount), 0) AS amount
        FROM gone
        GROUP BY practice_id, last_outcome, assigned_to_id, next_appointment, last_activity
    )
    INSERT INTO scoreboard_stakerollup
        (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, n,
         quoted, amount)
    SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, -n,
           -quoted, -amount
    FROM agg
    ON CONFLICT (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity)
    DO UPDATE SET
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
    WHERE c.id = ANY(keys)
      AND (c.merged_into_id + 0) IS NULL AND NOT c.do_not_contact
      AND c.last_outcome || '' IN ('inquiry', 'canceled', 'no_show', 'treatment_plan',
                                   'not_now')
      AND NOT EXISTS (SELECT 1 FROM campaigns_enrollment e
                      WHERE e.contact_id = c.id
                        AND e.state || '' IN ('scheduled', 'closed_not_fit',
                                              'closed_elsewhere', 'opted_out'));
    INSERT INTO scoreboard_stakerollup
        (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, n,
         quoted, amount)
    SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity,
           count(*), count(amount), coalesce(sum(amount), 0)
    FROM scoreboard_stakefact WHERE contact_id = ANY(keys)
    GROUP BY practice_id, last_outcome, assigned_to_id, next_appointment, last_activity
    ON CONFLICT (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity)
    DO UPDATE SET
        n = scoreboard_stakerollup.n + EXCLUDED.n,
        quoted = scoreboard_stakerollup.quoted + EXCLUDED.quoted,
        amount = scoreboard_stakerollup.amount + EXCLUDED.amount;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION scoreboard_refresh_enrollments(ids bigint[]) RETURNS void AS $$
DECLARE
    keys bigint[] := scoreboard_keys(ids);
BEGIN
    IF cardinality(keys) = 0 THEN RETURN; END IF;
    PERFORM scoreboard_lock(ARRAY(
        SELECT practice_id FROM campaigns_enrollment WHERE id = ANY(keys)
        UNION SELECT practice_id FROM scoreboard_enrollmentfact
        WHERE enrollment_id = ANY(keys)));
    -- Stage facts: out of the rollup, recomputed, back in.
    WITH gone AS (
        DELETE FROM scoreboard_stagefact f WHERE f.enrollment_id = ANY(keys)
        RETURNING f.*
    ), agg AS (
        SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
               variant_id, count(*) AS n, coalesce(sum(amount), 0) AS amount
        FROM gone
        GROUP BY practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
                 variant_id
    )
    INSERT INTO scoreboard_stagerollup
        (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
         n, amount)
    SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
           -n, -amount
    FROM agg
    ON CONFLICT (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
                 variant_id)
    DO UPDATE SET
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
             AS m(kind, stage) ON m.kind = o.kind || ''
        JOIN campaigns_enrollment e ON e.id = o.enrollment_id
        JOIN reactivate_practice p ON p.id = e.practice_id
        WHERE o.enrollment_id = ANY(keys) AND o.practice_id + 0 = e.practice_id + 0
          AND NOT e.held_out
          AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
    ) d
    JOIN campaigns_enrollment e ON e.id = d.enrollment_id
    JOIN contacts_contact ct ON ct.id = e.contact_id;
    INSERT INTO scoreboard_stagerollup
        (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
         n, amount)
    SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id,
           count(*), coalesce(sum(amount), 0)
    FROM scoreboard_stagefact WHERE enrollment_id = ANY(keys)
    GROUP BY practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
             variant_id
    ON CONFLICT (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id,
                 variant_id)
    DO UPDATE SET
        n = scoreboard_stagerollup.n + EXCLUDED.n,
        amount = scoreboard_stagerollup.amount + EXCLUDED.amount;
    -- Lost reasons.
    DELETE FROM scoreboard_lostfact WHERE enrollment_id = ANY(keys);
    INSERT INTO scoreboard_lostfact
        (outcome_id, enrollment_id, practice_id, at, reason_category, has_words,
         campaign_id, bucket, coordinator_id)
    SELECT o.id, e.id, e.practice_id, o.at, o.reason_category, o.reason_text <> '',
           e.campaign_id, e.bucket, e.coordinator_id
    FROM campaigns_outcome o JOIN campaigns_enrollment e ON e.id = o.enrollment_id
    WHERE o.enrollment_id = ANY(keys) AND o.kind || '' = 'went_elsewhere'
      AND o.practice_id + 0 = e.practice_id + 0 AND NOT e.held_out
      AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id);
    -- Enrollment facts: one pass over each enrollment's effective appointment entries.
    DELETE FROM scoreboard_enrollmentfact WHERE enrollment_id = ANY(keys);
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
    JOIN reactivate_practice p ON p.id = e.practice_id
    CROSS JOIN LATERAL (
        SELECT bool_or(o.kind = 'scheduled') AS scheduled,
               bool_or(o.kind = 'showed') AS showed,
               (array_agg(o.kind ORDER BY o.at DESC, o.id DESC)
                    FILTER (WHERE o.kind IN ('showed', 'no_show')))[1] AS result,
               min((o.at AT TIME ZONE p.time_zone)::date)
                    FILTER (WHERE o.kind IN ('scheduled', 'showed')
                              AND o.practice_id = e.practice_id) AS first_booked
        FROM campaigns_outcome o
        WHERE o.enrollment_id = e.id
          AND o.kind || '' IN ('scheduled', 'showed', 'no_show')
          AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
    ) b
    WHERE e.id = ANY(keys);
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

-- Triggers: the ids each statement touched, the corrected entries and a contact's
-- enrollments looked up by key.

CREATE OR REPLACE FUNCTION scoreboard_outcome_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM scoreboard_refresh_enrollments(
        ARRAY(SELECT enrollment_id FROM new_rows)
        || ARRAY(SELECT o.enrollment_id FROM campaigns_outcome o
                 WHERE o.id = ANY(ARRAY(SELECT corrects_id FROM new_rows
                                        WHERE corrects_id IS NOT NULL))));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

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
        SELECT e.id FROM campaigns_enrollment e WHERE e.contact_id = ANY(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.quoted_amount, n.last_outcome, n.last_activity)
              IS DISTINCT FROM (o.quoted_amount, o.last_outcome, o.last_activity)))));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;
