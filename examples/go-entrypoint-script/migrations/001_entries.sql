CREATE TABLE IF NOT EXISTS entries (id bigserial PRIMARY KEY, amount numeric NOT NULL);
