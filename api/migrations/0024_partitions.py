"""tap and work_record become monthly partitions on PostgreSQL (docs/partitions.md); SQLite stays as it is.

Existing rows are copied into the partitioned tables (a month partition for every month that has data, plus the
months around today; anything else lands in the _default partition). The partition key is work_date, and
PostgreSQL wants it in every unique key, so:

* work_record: one record per technician × site × day is (technician_id, site_id, work_date): the date is part of
  the rule, so the unique key stays on the partitioned table itself. The primary key becomes (id, work_date).
* tap: the sender's idempotency key (source_key) and the card's (card_serial, challenge) must be unique whatever
  the date a tap claims (a re-sent key or a replayed response with another time must still be refused), so each is
  kept whole in a small key table (tap_source_key, tap_challenge) that a BEFORE INSERT trigger claims with
  INSERT … ON CONFLICT DO NOTHING; a tap whose key is taken is skipped, exactly as ON CONFLICT DO NOTHING on the
  old unique indexes did (the ingest's INSERT … ON CONFLICT DO NOTHING RETURNING is unchanged).

The SQL functions created here (openccus_month_partition) are also what the scheduled job and the CLI call
(api/db_partitions.py).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_FUNCTIONS = [
    # One month's partition of `parent` (tap or work_record), created if missing. Rows of that month already in the
    # default partition are moved into it first (ATTACH refuses while the default holds any). Returns true when made.
    """
CREATE FUNCTION openccus_month_partition(parent text, month date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', month)::date;
  nxt date := (date_trunc('month', month) + interval '1 month')::date;
  part text := parent || '_' || to_char(first, 'YYYY_MM');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
  PERFORM set_config('openccus.moving_rows', 'on', true);  -- the rows move: their tap keys stay claimed
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE work_date >= %L AND work_date < %L RETURNING *) '
                 'INSERT INTO %I SELECT * FROM moved', parent || '_default', first, nxt, part);
  PERFORM set_config('openccus.moving_rows', 'off', true);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, first, nxt);
  RETURN true;
END $$""",
    # The tap's keys that hold across partitions: claimed before the row is stored; a key already held skips the
    # row (NULL), which INSERT … RETURNING reports as not inserted. A concurrent claim of the same key waits for the
    # other transaction, as a unique index does, and a claim rolled back frees the key.
    """
CREATE FUNCTION openccus_tap_claim_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tap_source_key (source_key, work_date) VALUES (NEW.source_key, NEW.work_date) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NEW.card_serial IS NOT NULL AND NEW.challenge IS NOT NULL THEN
    INSERT INTO tap_challenge (card_serial, challenge, work_date) VALUES (NEW.card_serial, NEW.challenge, NEW.work_date)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      DELETE FROM tap_source_key WHERE source_key = NEW.source_key;
      RETURN NULL;
    END IF;
  END IF;
  RETURN NEW;
END $$""",
    # A deleted tap frees its keys, as a deleted row freed them from the unique indexes before (no code deletes
    # taps; tests do). A detached or dropped partition deletes nothing: its keys stay claimed.
    """
CREATE FUNCTION openccus_tap_free_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('openccus.moving_rows', true) = 'on' THEN
    RETURN NULL;
  END IF;
  DELETE FROM tap_source_key WHERE source_key = OLD.source_key;
  IF OLD.card_serial IS NOT NULL AND OLD.challenge IS NOT NULL THEN
    DELETE FROM tap_challenge WHERE card_serial = OLD.card_serial AND challenge = OLD.challenge;
  END IF;
  RETURN NULL;
END $$""",
    # A key changed in place (no code does; psql might) moves its claim with it, or is refused.
    """
CREATE FUNCTION openccus_tap_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.source_key IS DISTINCT FROM OLD.source_key OR NEW.card_serial IS DISTINCT FROM OLD.card_serial
     OR NEW.challenge IS DISTINCT FROM OLD.challenge OR NEW.work_date IS DISTINCT FROM OLD.work_date THEN
    RAISE EXCEPTION 'a tap''s keys and work date are fixed once stored';
  END IF;
  RETURN NEW;
END $$""",
]

_MONTHS = """
SELECT DISTINCT date_trunc('month', d)::date AS m FROM (
  SELECT work_date AS d FROM tap_unpartitioned
  UNION ALL SELECT work_date FROM work_record_unpartitioned
  UNION ALL SELECT (CURRENT_DATE + make_interval(months => k))::date FROM generate_series(-1, 3) k
) x WHERE d >= DATE '2000-01-01' AND d < DATE '2100-01-01' ORDER BY 1"""

_TABLES = {
    "tap": {
        "pk": "ALTER TABLE tap ADD CONSTRAINT tap_pkey PRIMARY KEY (id, work_date)",
        "after": [
            (
                "ALTER TABLE tap ADD CONSTRAINT tap_site_id_fkey FOREIGN KEY (site_id) REFERENCES site (id) "
                "ON DELETE RESTRICT"
            ),
            (
                "ALTER TABLE tap ADD CONSTRAINT tap_device_id_fkey FOREIGN KEY (device_id) REFERENCES device (id) "
                "ON DELETE RESTRICT"
            ),
            (
                "ALTER TABLE tap ADD CONSTRAINT tap_technician_id_fkey FOREIGN KEY (technician_id) "
                "REFERENCES technician (id) ON DELETE RESTRICT"
            ),
            "CREATE INDEX idx_tap_site_id_67499b ON tap (site_id, work_date)",
            "CREATE INDEX idx_tap_site_id_724f8a ON tap (site_id, status)",
            "CREATE INDEX idx_tap_technic_390187 ON tap (technician_id, work_date)",
            # The stored tap behind a refused key (the ingest compares fingerprints) and a replayed challenge.
            "CREATE INDEX idx_tap_source_key ON tap (source_key)",
            "CREATE INDEX idx_tap_card_challenge ON tap (card_serial, challenge)",
            "CREATE TRIGGER tap_claim_keys BEFORE INSERT ON tap FOR EACH ROW EXECUTE FUNCTION openccus_tap_claim_keys()",
            "CREATE TRIGGER tap_free_keys AFTER DELETE ON tap FOR EACH ROW EXECUTE FUNCTION openccus_tap_free_keys()",
            "CREATE TRIGGER tap_keys_fixed BEFORE UPDATE ON tap FOR EACH ROW EXECUTE FUNCTION openccus_tap_keys_fixed()",
        ],
    },
    "work_record": {
        "pk": "ALTER TABLE work_record ADD CONSTRAINT work_record_pkey PRIMARY KEY (id, work_date)",
        "after": [
            (
                "ALTER TABLE work_record ADD CONSTRAINT uid_work_record_technic_85994e "
                "UNIQUE (technician_id, site_id, work_date)"
            ),
            (
                "ALTER TABLE work_record ADD CONSTRAINT work_record_site_id_fkey FOREIGN KEY (site_id) REFERENCES site (id) "
                "ON DELETE RESTRICT"
            ),
            (
                "ALTER TABLE work_record ADD CONSTRAINT work_record_technician_id_fkey FOREIGN KEY (technician_id) "
                "REFERENCES technician (id) ON DELETE RESTRICT"
            ),
            "CREATE INDEX idx_work_record_employe_830e1a ON work_record (employer_id, work_date)",
            "CREATE INDEX idx_work_record_site_id_bf6471 ON work_record (site_id, work_date)",
            # The nightly close looks for records with no exit over all history: a tiny index in each month.
            "CREATE INDEX idx_work_record_open ON work_record (work_date) WHERE last_out IS NULL AND NOT missing_exit",
        ],
    },
}


async def _partition(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return  # the embedded default keeps plain tables and the models' unique keys
    for table in _TABLES:
        await client.execute_script(
            f"ALTER TABLE {table} RENAME TO {table}_unpartitioned;"
            f"ALTER TABLE {table}_unpartitioned RENAME CONSTRAINT {table}_pkey TO {table}_unpartitioned_pkey"
        )
        await client.execute_script(
            f"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS INCLUDING COMMENTS) "
            "PARTITION BY RANGE (work_date)"
        )
        await client.execute_script(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        await client.execute_script(_TABLES[table]["pk"])
        await client.execute_script(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    await client.execute_script(
        "CREATE TABLE tap_source_key (source_key VARCHAR(100) PRIMARY KEY, work_date DATE NOT NULL);"
        "COMMENT ON TABLE tap_source_key IS 'A stored tap''s idempotency key, unique across the tap partitions';"
        "CREATE TABLE tap_challenge (card_serial VARCHAR(16) NOT NULL, challenge VARCHAR(32) NOT NULL, "
        "work_date DATE NOT NULL, PRIMARY KEY (card_serial, challenge));"
        "COMMENT ON TABLE tap_challenge IS 'A stored card response''s challenge, unique across the tap partitions'"
    )
    for fn in _FUNCTIONS:
        await client.execute_script(fn)
    for row in await client.execute_query_dict(_MONTHS):
        for table in _TABLES:
            await client.execute_query("SELECT openccus_month_partition($1, $2)", [table, row["m"]])
    # The keys first, from the old unique columns (so they hold no duplicates), then the rows, then the indexes.
    await client.execute_script(
        "INSERT INTO tap_source_key SELECT source_key, work_date FROM tap_unpartitioned;"
        "INSERT INTO tap_challenge SELECT card_serial, challenge, work_date FROM tap_unpartitioned "
        "WHERE card_serial IS NOT NULL AND challenge IS NOT NULL;"
        "INSERT INTO tap SELECT * FROM tap_unpartitioned;"
        "INSERT INTO work_record SELECT * FROM work_record_unpartitioned;"
        "DROP TABLE tap_unpartitioned; DROP TABLE work_record_unpartitioned"
    )
    for table in _TABLES:
        for statement in _TABLES[table]["after"]:
            await client.execute_script(statement)
        await client.execute_script(f"ANALYZE {table}")


async def _unpartition(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    for table in _TABLES:
        await client.execute_script(
            f"CREATE TABLE {table}_plain (LIKE {table} INCLUDING DEFAULTS INCLUDING COMMENTS);"
            f"INSERT INTO {table}_plain SELECT * FROM {table};"
            f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}_plain.id;"
            f"DROP TABLE {table} CASCADE; ALTER TABLE {table}_plain RENAME TO {table};"
            f"ALTER TABLE {table} ADD PRIMARY KEY (id)"
        )
    await client.execute_script(
        "DROP TABLE tap_source_key; DROP TABLE tap_challenge;"
        "DROP FUNCTION openccus_month_partition(text, date); DROP FUNCTION openccus_tap_claim_keys();"
        "DROP FUNCTION openccus_tap_keys_fixed(); DROP FUNCTION openccus_tap_free_keys();"
        "ALTER TABLE tap ADD CONSTRAINT tap_source_key_key UNIQUE (source_key);"
        "ALTER TABLE tap ADD CONSTRAINT uid_tap_card_se_717987 UNIQUE (card_serial, challenge);"
        "ALTER TABLE work_record ADD CONSTRAINT uid_work_record_technic_85994e UNIQUE (technician_id, site_id, work_date)"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0023_virtual_card")]

    initial = False

    operations = [ops.RunPython(_partition, _unpartition)]
