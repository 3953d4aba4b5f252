-- Up Migration

-- A number that changes whenever any template version is written, changed or removed. The
-- email activity reads it with the lead (one subquery on a one-row table) and keeps each
-- template it resolved (the newest version in the lead's language with its partials expanded)
-- until the number moves, instead of reading the template and every partial it uses again
-- for each email. A statement trigger, so a change made by hand in SQL counts too.
CREATE TABLE template_generation (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  n        bigint  NOT NULL
);
INSERT INTO template_generation (only_row, n) VALUES (true, 1);

CREATE FUNCTION bump_template_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE template_generation SET n = n + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER templates_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON templates
  FOR EACH STATEMENT EXECUTE FUNCTION bump_template_generation();

-- Down Migration
DROP TRIGGER templates_generation ON templates;
DROP FUNCTION bump_template_generation();
DROP TABLE template_generation;
