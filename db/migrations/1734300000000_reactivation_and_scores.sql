-- Up Migration

-- Intent is never ignored (issue 12): a dormant former customer or an already-hot lead who
-- asks for a meeting or replies is escalated as `reactivation` or `repeat_intent`.
ALTER TABLE escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_kind_check
  CHECK (kind IN ('sales', 'upsell', 'reactivation', 'repeat_intent'));

-- Reactivation decided per account: every decision a person made, newest last, so the
-- lead page shows who decided what, when and why, and nothing a person said is lost.
CREATE TABLE reactivation_decisions (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  lead_id     uuid        NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
  event_id    text        NOT NULL UNIQUE,
  decision    text        NOT NULL CHECK (decision IN ('resume', 'close')),
  resume_at   timestamptz,
  cadence_key text,
  note        text,
  decided_by  text        NOT NULL,
  decided_at  timestamptz NOT NULL,
  stage       lead_stage  NOT NULL
);
CREATE INDEX reactivation_decisions_lead ON reactivation_decisions (lead_id, decided_at);

-- Scores on the event's clock: `score` is the value as of `score_at` and decays with
-- `score_half_life_ms`, so "decayed score >= m" is "score_fades_at >= now + half-life ·
-- log2(m)", where score_fades_at is when the decayed score falls to one point. The column
-- is kept by a trigger (every writer of the score, every backfill), and its index lets
-- `GET /v1/leads?scoreMin=` read only the leads that can still qualify (db/repositories/leads.ts).
ALTER TABLE leads ADD COLUMN score_fades_at timestamptz NOT NULL DEFAULT '-infinity';

CREATE FUNCTION leads_score_fades_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.score_fades_at := CASE
    WHEN NEW.score <= 0 THEN '-infinity'::timestamptz
    WHEN NEW.score_at IS NULL OR NEW.score_half_life_ms IS NULL OR NEW.score_half_life_ms <= 0 THEN 'infinity'::timestamptz
    ELSE NEW.score_at + make_interval(secs => NEW.score_half_life_ms * (ln(NEW.score) / ln(2)) / 1000.0)
  END;
  RETURN NEW;
END $$;

CREATE TRIGGER leads_score_fades_at BEFORE INSERT OR UPDATE OF score, score_at, score_half_life_ms ON leads
  FOR EACH ROW EXECUTE FUNCTION leads_score_fades_at();

UPDATE leads SET score = score WHERE score > 0;
CREATE INDEX leads_score_fades_at ON leads (score_fades_at) WHERE score > 0;
CREATE INDEX leads_score_half_life ON leads (score_half_life_ms) WHERE score > 0;

-- Down Migration
DROP INDEX leads_score_half_life;
DROP INDEX leads_score_fades_at;
DROP TRIGGER leads_score_fades_at ON leads;
DROP FUNCTION leads_score_fades_at();
ALTER TABLE leads DROP COLUMN score_fades_at;
DROP TABLE reactivation_decisions;
ALTER TABLE escalations DROP CONSTRAINT escalations_kind_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_kind_check CHECK (kind IN ('sales', 'upsell'));
