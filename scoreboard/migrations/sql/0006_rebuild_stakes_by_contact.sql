-- Migration 0006: the rebuild's stakes step looks up each contact's decided enrollments
-- by contact only, whatever statistics the planner has. Frozen: a later change is a new
-- file. Backwards, 0005's text runs again.

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
          -- "state || ''" keeps the lookup on the contact's enrollments (by contact_id):
          -- without statistics (after a bulk load or a restore, before ANALYZE) the
          -- planner ANDed, for every contact, the index on state's bitmap of all decided
          -- enrollments into the lookup; at 1M contacts the step ran for over ten minutes.
          AND NOT EXISTS (SELECT 1 FROM campaigns_enrollment e
                          WHERE e.contact_id = c.id
                            AND e.state || '' IN ('scheduled', 'closed_not_fit',
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
