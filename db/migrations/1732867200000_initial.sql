-- Up Migration

-- The read model and the marketer's definitions. Statuses are enums mirrored in
-- domain/ and db/ so an unknown value fails at the database, not in a report.
CREATE TYPE lead_stage AS ENUM ('nurturing', 'deal', 'customer', 'dormant', 'reactivation', 'closed');
CREATE TYPE delivery_status AS ENUM ('pending', 'sending', 'sent', 'failed', 'unknown');

-- Cadences and templates are versioned: a PUT adds a version, running leads pick up the
-- newest at their next step, and old versions stay readable for what was sent.
CREATE TABLE cadences (
  key         text        NOT NULL,
  version     integer     NOT NULL,
  definition  jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, version)
);

CREATE TABLE templates (
  key         text        NOT NULL,
  version     integer     NOT NULL,
  locale      text        NOT NULL,
  subject     text        NOT NULL,
  mjml        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, version)
);

CREATE TABLE leads (
  id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text        NOT NULL,
  name           text,
  company        text,
  department     text,
  title          text,
  phone          text,
  postal_address jsonb,
  source         text,
  owner_email    text,
  cadence_key    text        NOT NULL,
  locale         text        NOT NULL DEFAULT 'ja',
  timezone       text        NOT NULL DEFAULT 'Asia/Tokyo',
  external_id    text,
  stage          lead_stage  NOT NULL DEFAULT 'nurturing',
  score          double precision NOT NULL DEFAULT 0,
  next_touch_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
-- One lead per address whatever its case: "Taro@Example.jp" and "taro@example.jp" are one person.
CREATE UNIQUE INDEX leads_email_unique ON leads (lower(email));

-- One row per touch, written before the SMTP call under a key that does not change
-- between activity attempts: the unique index is what makes a second send impossible.
CREATE TABLE deliveries (
  id               bigserial       PRIMARY KEY,
  idempotency_key  text            NOT NULL UNIQUE,
  lead_id          uuid            NOT NULL REFERENCES leads (id),
  channel          text            NOT NULL DEFAULT 'email',
  template_key     text            NOT NULL,
  template_version integer,
  message_id       text            NOT NULL,
  recipient        text            NOT NULL,
  subject          text,
  status           delivery_status NOT NULL DEFAULT 'pending',
  error            text,
  created_at       timestamptz     NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX deliveries_lead ON deliveries (lead_id, created_at);

-- Down Migration
DROP TABLE deliveries;
DROP TABLE leads;
DROP TABLE templates;
DROP TABLE cadences;
DROP TYPE delivery_status;
DROP TYPE lead_stage;
