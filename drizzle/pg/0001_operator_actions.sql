CREATE TABLE "operator_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text,
	"occurred_at" bigint NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"path" text NOT NULL,
	"reason" text NOT NULL,
	"outcome" text NOT NULL,
	"detail" text,
	"node_id" text
);
