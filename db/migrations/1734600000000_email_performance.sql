-- Up Migration

-- Email performance (issue 15). One row per marketing email, keyed like its delivery: where
-- it came from (cadence, stage, step; whether an A/B test chose its template) and what
-- became of it, each outcome at most once (unique opens and clicks per email). Written when
-- the touch is sent and when a tracking hit, bounce, complaint or unsubscribe arrives.
-- `sent_on` is the send's calendar day in Asia/Tokyo (the reports' default zone): every
-- outcome counts on the day its email went out, so a period's rates compare like with like.
CREATE TABLE email_stats (
  delivery_key     text        PRIMARY KEY,
  lead_id          uuid        NOT NULL,
  template_key     text        NOT NULL,
  cadence_key      text,
  stage            text,
  step_index       integer,
  variant_test     boolean     NOT NULL DEFAULT false,
  sent_at          timestamptz,
  sent_on          date,
  bounce           text        CHECK (bounce IN ('hard', 'soft')),
  opened           boolean     NOT NULL DEFAULT false,
  machine_opened   boolean     NOT NULL DEFAULT false,
  clicked          boolean     NOT NULL DEFAULT false,
  machine_clicked  boolean     NOT NULL DEFAULT false,
  unsubscribed     boolean     NOT NULL DEFAULT false,
  complained       boolean     NOT NULL DEFAULT false
);
-- A bounce or complaint report names an address, not an email: it is the lead's latest send.
CREATE INDEX email_stats_lead_sent ON email_stats (lead_id, sent_at DESC) WHERE sent_at IS NOT NULL;

-- Every open and click, a person's or a machine's (with why: domain/machine-engagement.ts),
-- so machine hits are counted apart and a burst found later can take back earlier clicks.
CREATE TABLE email_hits (
  id             bigserial   PRIMARY KEY,
  delivery_key   text        NOT NULL REFERENCES email_stats (delivery_key),
  template_key   text        NOT NULL,
  kind           text        NOT NULL CHECK (kind IN ('open', 'click')),
  url            text,
  at             timestamptz NOT NULL,
  machine_reason text,
  user_agent     text
);
CREATE INDEX email_hits_delivery ON email_hits (delivery_key, at);
-- Per-link clicks of one template.
CREATE INDEX email_hits_template_clicks ON email_hits (template_key, url) WHERE kind = 'click';

-- The report's pre-aggregate: sums of email_stats per send day and dimension, kept by the
-- trigger below in the same transaction as each change, so GET /v1/reports/email reads a
-- few thousand rows however many emails there are. Nulls are stored as '' and -1 so the
-- dimensions can be a primary key.
CREATE TABLE email_daily (
  day             date    NOT NULL,
  template_key    text    NOT NULL,
  cadence_key     text    NOT NULL,
  stage           text    NOT NULL,
  step_index      integer NOT NULL,
  variant_test    boolean NOT NULL,
  sent            bigint  NOT NULL DEFAULT 0,
  bounced_hard    bigint  NOT NULL DEFAULT 0,
  bounced_soft    bigint  NOT NULL DEFAULT 0,
  opened          bigint  NOT NULL DEFAULT 0,
  machine_opened  bigint  NOT NULL DEFAULT 0,
  clicked         bigint  NOT NULL DEFAULT 0,
  machine_clicked bigint  NOT NULL DEFAULT 0,
  unsubscribed    bigint  NOT NULL DEFAULT 0,
  complained      bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (day, template_key, cadence_key, stage, step_index, variant_test)
);

-- Adds (sign 1) or takes back (sign -1) one email's outcomes in its day's sums.
CREATE FUNCTION email_daily_apply(r email_stats, sign integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO email_daily AS d (day, template_key, cadence_key, stage, step_index, variant_test, sent,
                                bounced_hard, bounced_soft, opened, machine_opened, clicked, machine_clicked,
                                unsubscribed, complained)
  VALUES (r.sent_on, r.template_key, coalesce(r.cadence_key, ''), coalesce(r.stage, ''), coalesce(r.step_index, -1),
          r.variant_test, sign,
          sign * (r.bounce IS NOT DISTINCT FROM 'hard')::int, sign * (r.bounce IS NOT DISTINCT FROM 'soft')::int,
          sign * r.opened::int, sign * r.machine_opened::int, sign * r.clicked::int, sign * r.machine_clicked::int,
          sign * r.unsubscribed::int, sign * r.complained::int)
  ON CONFLICT (day, template_key, cadence_key, stage, step_index, variant_test) DO UPDATE SET
    sent = d.sent + EXCLUDED.sent,
    bounced_hard = d.bounced_hard + EXCLUDED.bounced_hard,
    bounced_soft = d.bounced_soft + EXCLUDED.bounced_soft,
    opened = d.opened + EXCLUDED.opened,
    machine_opened = d.machine_opened + EXCLUDED.machine_opened,
    clicked = d.clicked + EXCLUDED.clicked,
    machine_clicked = d.machine_clicked + EXCLUDED.machine_clicked,
    unsubscribed = d.unsubscribed + EXCLUDED.unsubscribed,
    complained = d.complained + EXCLUDED.complained
$$;

CREATE FUNCTION email_stats_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.sent_on IS NOT NULL THEN
    PERFORM email_daily_apply(OLD, -1);
  END IF;
  IF NEW.sent_on IS NOT NULL THEN
    PERFORM email_daily_apply(NEW, 1);
  END IF;
  RETURN NULL;
END
$$;

-- Only changes that move a sum: a row not sent yet, or an update that changes nothing, is skipped.
CREATE TRIGGER email_stats_rollup_insert AFTER INSERT ON email_stats
  FOR EACH ROW WHEN (NEW.sent_on IS NOT NULL) EXECUTE FUNCTION email_stats_rollup();
CREATE TRIGGER email_stats_rollup_update AFTER UPDATE ON email_stats
  FOR EACH ROW WHEN (NEW.sent_on IS NOT NULL AND OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION email_stats_rollup();

-- Down Migration
DROP TRIGGER email_stats_rollup_update ON email_stats;
DROP TRIGGER email_stats_rollup_insert ON email_stats;
DROP FUNCTION email_stats_rollup();
DROP FUNCTION email_daily_apply(email_stats, integer);
DROP TABLE email_daily;
DROP TABLE email_hits;
DROP TABLE email_stats;
