"""The links made before the record existed, each as a "link" change; the record is append-only."""

from django.db import migrations

BACKFILL = """
INSERT INTO civic_challengeconcernchange (challenge_id, concern_id, action, actor_id, reason, at)
SELECT challenge_id, concern_id, 'link', linked_by_id, '', linked_at
FROM civic_challengeconcern
ORDER BY linked_at, id
"""

FORWARD = """
CREATE FUNCTION civic_challengeconcernchange_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Only with its challenge or concern (ON DELETE CASCADE, done by Django).
        RETURN OLD;
    END IF;
    IF (NEW.challenge_id, NEW.concern_id, NEW.action, NEW.reason, NEW.at)
       IS DISTINCT FROM (OLD.challenge_id, OLD.concern_id, OLD.action, OLD.reason, OLD.at)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id) THEN
        RAISE EXCEPTION 'link changes are append-only (update of %)', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER civic_challengeconcernchange_append_only
BEFORE UPDATE ON civic_challengeconcernchange
FOR EACH ROW EXECUTE FUNCTION civic_challengeconcernchange_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS civic_challengeconcernchange_append_only ON civic_challengeconcernchange;
DROP FUNCTION IF EXISTS civic_challengeconcernchange_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("civic", "0009_challenge_link_changes")]

    operations = [
        # Updates are refused except clearing the actor when an account is erased.
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunSQL(BACKFILL, "DELETE FROM civic_challengeconcernchange"),
    ]
