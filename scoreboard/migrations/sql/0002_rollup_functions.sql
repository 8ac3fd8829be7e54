-- Migration 0002 (and 0003 again): the rollup functions and triggers as they landed in
-- commit 5134a61, rendered from scoreboard/rollup_sql.py at that commit. Frozen: a later
-- change is a new file for a new migration.

CREATE OR REPLACE FUNCTION scoreboard_lock(practices bigint[]) RETURNS void AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7207, p::int)
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
        SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, count(*) AS n, count(amount) AS quoted,
               coalesce(sum(amount), 0) AS amount
        FROM gone GROUP BY practice_id, last_outcome, assigned_to_id, next_appointment, last_activity
    )
    UPDATE scoreboard_stakerollup r
    SET n = r.n - agg.n, quoted = r.quoted - agg.quoted, amount = r.amount - agg.amount
    FROM agg WHERE r.practice_id IS NOT DISTINCT FROM agg.practice_id AND r.last_outcome IS NOT DISTINCT FROM agg.last_outcome AND r.assigned_to_id IS NOT DISTINCT FROM agg.assigned_to_id AND r.next_appointment IS NOT DISTINCT FROM agg.next_appointment AND r.last_activity IS NOT DISTINCT FROM agg.last_activity;
    DELETE FROM scoreboard_stakerollup WHERE n = 0;
    INSERT INTO scoreboard_stakefact
        (contact_id, practice_id, last_outcome, assigned_to_id, next_appointment,
         last_activity, amount)
    SELECT c.id, c.practice_id, c.last_outcome, c.assigned_to_id, c.next_appointment,
           c.last_activity, c.quoted_amount
    FROM contacts_contact c
    WHERE c.id IN (SELECT unnest(ids)) AND c.merged_into_id IS NULL AND NOT c.do_not_contact
      AND c.last_outcome IN ('inquiry', 'canceled', 'no_show', 'treatment_plan', 'not_now')
      AND NOT EXISTS (SELECT 1 FROM campaigns_enrollment e
                      WHERE e.contact_id = c.id AND e.state IN ('scheduled', 'closed_not_fit', 'closed_elsewhere', 'opted_out'));
    INSERT INTO scoreboard_stakerollup (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, n, quoted, amount)
    SELECT practice_id, last_outcome, assigned_to_id, next_appointment, last_activity, count(*), count(amount), coalesce(sum(amount), 0)
    FROM scoreboard_stakefact WHERE contact_id IN (SELECT unnest(ids))
    GROUP BY practice_id, last_outcome, assigned_to_id, next_appointment, last_activity
    ON CONFLICT (practice_id, last_outcome, assigned_to_id, next_appointment, last_activity) DO UPDATE SET
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
        SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id, count(*) AS n, coalesce(sum(amount), 0) AS amount
        FROM gone GROUP BY practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id
    )
    UPDATE scoreboard_stagerollup r SET n = r.n - agg.n, amount = r.amount - agg.amount
    FROM agg WHERE r.practice_id IS NOT DISTINCT FROM agg.practice_id AND r.day IS NOT DISTINCT FROM agg.day AND r.stage IS NOT DISTINCT FROM agg.stage AND r.prev_day IS NOT DISTINCT FROM agg.prev_day AND r.campaign_id IS NOT DISTINCT FROM agg.campaign_id AND r.bucket IS NOT DISTINCT FROM agg.bucket AND r.coordinator_id IS NOT DISTINCT FROM agg.coordinator_id AND r.variant_id IS NOT DISTINCT FROM agg.variant_id;
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
        JOIN (VALUES ('contacted', 'contacted'), ('no_answer', 'contacted'), ('left_voicemail', 'contacted'), ('wrong_number', 'contacted'), ('reached', 'contacted'), ('reached', 'reached'), ('replied', 'replied'), ('qualified', 'qualified'), ('scheduled', 'scheduled'), ('scheduled', 'decisions'), ('showed', 'showed'), ('no_show', 'no_show'), ('not_a_fit', 'not_a_fit'), ('not_a_fit', 'decisions'), ('went_elsewhere', 'went_elsewhere'), ('went_elsewhere', 'decisions'), ('opted_out', 'closed_file'), ('opted_out', 'decisions'), ('do_not_contact', 'closed_file'), ('do_not_contact', 'decisions'), ('not_now', 'not_now'), ('not_now', 'decisions'), ('nurture', 'not_now'), ('nurture', 'decisions')) AS m(kind, stage) ON m.kind = o.kind
        JOIN campaigns_enrollment e ON e.id = o.enrollment_id
        JOIN reactivate_practice p ON p.id = e.practice_id
        WHERE o.enrollment_id IN (SELECT unnest(ids)) AND o.practice_id = e.practice_id
          AND NOT e.held_out
          AND NOT EXISTS (SELECT 1 FROM campaigns_outcome c WHERE c.corrects_id = o.id)
    ) d
    JOIN campaigns_enrollment e ON e.id = d.enrollment_id
    JOIN contacts_contact ct ON ct.id = e.contact_id;
    INSERT INTO scoreboard_stagerollup (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id, n, amount)
    SELECT practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id, count(*), coalesce(sum(amount), 0)
    FROM scoreboard_stagefact WHERE enrollment_id IN (SELECT unnest(ids))
    GROUP BY practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id
    ON CONFLICT (practice_id, day, stage, prev_day, campaign_id, bucket, coordinator_id, variant_id) DO UPDATE SET
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
        SELECT DISTINCT contact_id FROM new_rows WHERE state IN ('scheduled', 'closed_not_fit', 'closed_elsewhere', 'opted_out')));
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
