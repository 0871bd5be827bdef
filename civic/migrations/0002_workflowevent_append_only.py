"""Make the audit trail append-only in the database itself.

The model refuses save() of an existing event and delete(), but bulk
queryset updates and deletes bypass those. This trigger refuses DELETE and
any UPDATE except clearing the actor when a user account is deleted
(on_delete=SET_NULL), which keeps account erasure possible.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION civic_workflowevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'workflow events are append-only (delete of %)', OLD.id;
    END IF;
    IF (NEW.content_type_id, NEW.object_id, NEW.from_state, NEW.to_state, NEW.note, NEW.at)
       IS DISTINCT FROM
       (OLD.content_type_id, OLD.object_id, OLD.from_state, OLD.to_state, OLD.note, OLD.at)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id) THEN
        RAISE EXCEPTION 'workflow events are append-only (update of %)', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER civic_workflowevent_append_only
BEFORE UPDATE OR DELETE ON civic_workflowevent
FOR EACH ROW EXECUTE FUNCTION civic_workflowevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS civic_workflowevent_append_only ON civic_workflowevent;
DROP FUNCTION IF EXISTS civic_workflowevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("civic", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
