CREATE TABLE "active_domain_registry" (
	"id" text PRIMARY KEY NOT NULL,
	"domain_name" text NOT NULL,
	"status" text NOT NULL,
	"tick_count" bigint DEFAULT 0 NOT NULL,
	"metadata" text DEFAULT '{}' NOT NULL,
	"activated_at" bigint,
	"updated_at" bigint NOT NULL,
	"run_id" text,
	"node_id" text,
	"shard" integer,
	"epoch" bigint,
	CONSTRAINT "active_domain_registry_domain_name_unique" UNIQUE("domain_name"),
	CONSTRAINT "active_domain_registry_domain_name_length" CHECK (length("active_domain_registry"."domain_name") <= 100)
);
--> statement-breakpoint
CREATE TABLE "cluster_clock" (
	"id" integer PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"origin_ms" bigint NOT NULL,
	"interval_ms" integer NOT NULL,
	CONSTRAINT "cluster_clock_one_row" CHECK ("cluster_clock"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "cluster_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"epoch" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cluster_members" (
	"node_id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"http_url" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cluster_ticks" (
	"n" bigint PRIMARY KEY NOT NULL,
	"epoch" bigint NOT NULL,
	"node_id" text NOT NULL,
	"due_at" bigint NOT NULL,
	"recorded_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domain_activation_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text,
	"domain_name" text NOT NULL,
	"event" text NOT NULL,
	"tick_count" bigint NOT NULL,
	"occurred_at" bigint NOT NULL,
	"metadata" text DEFAULT '{}' NOT NULL,
	"node_id" text,
	"shard" integer,
	"epoch" bigint
);
--> statement-breakpoint
CREATE TABLE "runtime_runs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"started_at" bigint NOT NULL,
	"stopped_at" bigint,
	"stop_reason" text,
	"tick_interval_ms" integer,
	"version" text NOT NULL,
	"pid" integer,
	"node_id" text
);
--> statement-breakpoint
CREATE INDEX "domain_activation_history_domain_name_id_idx" ON "domain_activation_history" USING btree ("domain_name","id");